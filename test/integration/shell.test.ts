// `netlab shell`: the user's own shell inside the node, its prompt saying which lab and node
// (before the user's own prompt, kept as the rc files set it), and `exit` coming back with its status.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasTool } from "../../src/runtime/tools.js";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

describe.skipIf(!IS_ROOT)("shell", () => {
  let sb: Sandbox;
  let before: Snapshot;
  let home: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    home = mkdtempSync(join(tmpdir(), "netlab-home-"));
    writeFileSync(join(home, ".bashrc"), "PS1='mine> '\n");
    expect((await sb.netlab(["up", "veth-pair"])).code).toBe(0);
  });
  afterAll(async () => {
    expect((await sb.netlab(["down", "veth-pair"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
    rmSync(home, { recursive: true, force: true });
  });

  const shell = (node: string, sh: string, input: string) => sb.netlab(["shell", "veth-pair", node], { input, env: { HOME: home, SHELL: sh } });

  it("bash: [lab:node] before the user's own prompt from ~/.bashrc, inside the node, exit status back", async () => {
    const r = await shell("red", "/bin/bash", 'echo "PS1=$PS1"; ip -br address show dev eth0; exit 7\n');
    expect(r.stdout).toContain("PS1=[veth-pair:red] mine> ");
    expect(r.stdout).toMatch(/eth0\S*\s+\S+\s+10\.100\.0\.2\/30/);
    expect(r.code).toBe(7);
  });

  it("sh: the same prefix on sh's own prompt; host says host", async () => {
    expect((await shell("red", "/bin/sh", 'echo "PS1=$PS1"\n')).stdout).toContain("PS1=[veth-pair:red] # ");
    expect((await shell("host", "/bin/bash", 'echo "PS1=$PS1"\n')).stdout).toContain("PS1=[veth-pair:host] mine> ");
  });

  it("zsh and fish: the same prefix on their own prompts", async () => {
    for (const sh of ["zsh", "fish"]) if (!hasTool(sh)) console.warn(`${sh} prompt: NOT RUN — ${sh} is not installed (scripts/setup.sh installs it)`);
    if (hasTool("zsh")) expect((await shell("red", "/usr/bin/zsh", 'print -r -- "PROMPT=$PROMPT"\n')).stdout).toMatch(/PROMPT=\[veth-pair:red\] /);
    // fish cannot read commands from a socket (node's pipes are sockets): a real pipe, as from a terminal's `echo … |`.
    const viaPipe = (cmd: string, sh: string) => run(["sh", "-c", `printf '%s\\n' '${cmd}' | ip netns exec ${sb.name} ${NETLAB} shell veth-pair red`], undefined, { ...process.env, HOME: home, SHELL: sh, NO_COLOR: "1" });
    if (hasTool("fish")) expect((await viaPipe("fish_prompt; echo", "/usr/bin/fish")).stdout).toMatch(/\[veth-pair:red\] /);
  });
});
