// Completion in the real shells: bash (its completion function called as bash would), zsh
// (the function with compadd captured), fish (complete -C, fish's own engine) — commands,
// options, choices, lab names, and the nodes of a lab that is up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { hasTool } from "../../src/runtime/tools.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const bash = async (line: string[]) => {
  const words = line.map((w) => `'${w}'`).join(" ");
  const r = await run(["bash", "-c", `source <(${NETLAB} completion bash); COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _netlab; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  return r.stdout.split("\n").filter(Boolean);
};
const zsh = async (line: string[]) => {
  const words = line.map((w) => `'${w}'`).join(" ");
  const r = await run(["zsh", "-c", `compdef(){}; source <(${NETLAB} completion zsh); compadd(){ print -l -- "\${(@P)2}" }; words=(${words}); CURRENT=${line.length}; _netlab`]);
  return r.stdout.split("\n").filter(Boolean);
};
const fish = async (line: string[]) => {
  const r = await run(["fish", "-c", `${NETLAB} completion fish | source; complete -C "${line.join(" ")}"`]);
  return r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]);
};

describe.skipIf(!IS_ROOT)("completion", () => {
  let sb: Sandbox;
  let before: Snapshot;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    expect((await sb.netlab(["up", "bridge-lab"])).code).toBe(0);
  });
  afterAll(async () => {
    expect((await sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  for (const [name, shell] of [["bash", bash], ["zsh", zsh], ["fish", fish]] as const) {
    it(`${name}: commands, options, choices, shipped labs, labs that are up and their nodes`, async () => {
      if (!hasTool(name)) {
        console.warn(`${name} completion: NOT RUN — ${name} is not installed (scripts/setup.sh installs it)`);
        expect(name).not.toBe("bash");
        return;
      }
      expect(await shell(["netlab", "ca"])).toEqual(["capture"]);
      expect(await shell(["netlab", "up", "--is"])).toEqual(["--isolated"]);
      expect(await shell(["netlab", "up", "bridge-l"])).toEqual(["bridge-lab"]);
      expect(await shell(["netlab", "graph", "bridge-lab", "--format", ""])).toEqual(expect.arrayContaining(["mermaid", "dot", "svg"]));
      expect(await shell(["netlab", "down", "bridge-"])).toEqual(["bridge-lab"]);
      expect((await shell(["netlab", "exec", "bridge-lab", ""])).sort()).toEqual(["api", "db", "host", "web"]);
      expect((await shell(["netlab", "completion", ""])).sort()).toEqual(["bash", "fish", "zsh"]);
    });
  }
});
