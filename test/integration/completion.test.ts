// Completion in the real shells: bash (its completion function called as bash would), zsh
// (the function with compadd captured), fish (complete -C, fish's own engine) — commands,
// options, choices, lab names, and the nodes of a lab that is up. And each shell for real, on a
// terminal: Tab, then Enter, on a file name another user chose to be a command substitution.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { hasTool } from "../../src/runtime/tools.js";
import { IS_ROOT, labFiles, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const bash = async (line: string[]) => {
  const words = line.map((w) => `'${w}'`).join(" ");
  const r = await run(["bash", "-c", `source <(${NETLAB} completion bash); COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _netlab; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  return r.stdout.split("\n").filter(Boolean);
};
const zsh = async (line: string[]) => {
  const words = line.map((w) => `'${w}'`).join(" ");
  const r = await run(["zsh", "-c", `compdef(){}; source <(${NETLAB} completion zsh); compadd(){ print -l -- "\${(@P)2}" }; words=(${words}); CURRENT=${line.length}; PREFIX='${line[line.length - 1]}'; _netlab`]);
  return r.stdout.split("\n").filter(Boolean);
};
const fish = async (line: string[]) => {
  const r = await run(["fish", "-c", `${NETLAB} completion fish | source; complete -C "${line.join(" ")}"`]);
  return r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]);
};

/**
 * Types `typed`, Tab, Enter into an interactive `shell` on a terminal (util-linux `script`) in
 * `cwd`, where `netlab` is a function printing its arguments as <arg> lines; returns them.
 */
async function tabEnter(shell: string, typed: string, cwd: string, home: string): Promise<string[]> {
  const argv = { bash: "bash --norc --noprofile -i", zsh: "zsh -f -i", fish: "fish --no-config -i" }[shell]!;
  const setup = {
    bash: `source <(${NETLAB} completion bash); netlab() { printf '<%s>\\n' "$@"; }`,
    zsh: `autoload -Uz compinit && compinit -u; source <(${NETLAB} completion zsh); netlab() { printf '<%s>\\n' "$@"; }`,
    fish: `${NETLAB} completion fish | source; function netlab; printf '<%s>\\n' $argv; end`,
  }[shell]!;
  const child = spawn("script", ["-qfec", argv, "/dev/null"], { cwd, env: { ...process.env, TERM: "dumb", HOME: home }, stdio: ["pipe", "pipe", "ignore"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  const until = async (re: RegExp) => {
    for (let end = Date.now() + 10_000; !re.test(out) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  };
  child.stdin.write(`${setup}; echo RE""ADY\n`);
  await until(/READY/);
  const mark = out.length;
  child.stdin.write(`${typed}\t`);
  await until(/\.yaml/); // the completion went in (as each shell echoes it)
  await new Promise((r) => setTimeout(r, 200));
  child.stdin.write("\n");
  await until(/<[^\n]*\.yaml>/);
  child.stdin.end("exit\n");
  // A shell left waiting (a quote never closed) is ended: the answer is what it printed so far.
  const stop = setTimeout(() => child.kill("SIGKILL"), 5000);
  await new Promise((r) => child.on("close", r));
  clearTimeout(stop);
  return [...out.slice(mark).matchAll(/^<(.*)>\r?$/gm)].map((m) => m[1]);
}

describe.skipIf(!IS_ROOT)("completion", () => {
  let sb: Sandbox;
  let before: Snapshot;
  const { dir, write: labFile } = labFiles("netlab-completion-");
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    expect((await sb.netlab(["up", "bridge-lab"])).code).toBe(0);
    // Lab cpl's node b-x lives in namespace cpl-b-x, which lab cpl-b's node x would have.
    expect((await sb.netlab(["up", labFile("cpl", "name: cpl\nnodes:\n  a: {}\n  b-x: {}\n")])).code).toBe(0);
    expect((await sb.netlab(["up", labFile("cpl-b", "name: cpl-b\nnodes:\n  y: {}\n")])).code).toBe(0);
  });
  afterAll(async () => {
    for (const lab of ["cpl", "cpl-b"]) expect((await sb.netlab(["down", lab])).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
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
      // Names match exactly: cpl's node b-x is cpl's, though lab cpl-b is up.
      expect((await shell(["netlab", "exec", "cpl", ""])).sort()).toEqual(["a", "b-x", "host"]);
      expect((await shell(["netlab", "shell", "cpl-b", ""])).sort()).toEqual(["host", "y"]);
    });

    it(`${name}: Tab, Enter on a file name that is a command substitution runs nothing`, async () => {
      if (!hasTool(name)) return;
      // Another user's directory, and the names they chose in it.
      const theirs = mkdtempSync(join(tmpdir(), "netlab-completion-theirs-"));
      chmodSync(theirs, 0o1777);
      const home = mkdtempSync(join(tmpdir(), "netlab-completion-home-")); // the shells' history and caches
      const names = ["x$(touch${IFS}pwned).yaml", "a'$(touch${IFS}pwned)'.yaml"];
      try {
        for (const n of names) expect((await run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "touch", join(theirs, n)])).code).toBe(0);
        for (const [typed, want] of [["netlab up x", names[0]], ["netlab up 'x$(", names[0]], ["netlab up 'a", names[1]], ['netlab up "a', names[1]]]) {
          expect(await tabEnter(name, typed, theirs, home), `${typed}<Tab><Enter>`).toEqual(["up", want]);
          expect(readdirSync(theirs).sort(), `${typed}<Tab><Enter>: nothing ran`).toEqual([...names].sort());
        }
      } finally {
        rmSync(theirs, { recursive: true, force: true });
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
