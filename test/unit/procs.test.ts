// Issue 24 items 6, 8, 14 where no kernel is needed: how a typed word is read, what the bash
// script asks of readline, the instance a state records, descriptors inherited at start.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { completionScript, dequote } from "../../src/cli/completion.js";
import { instanceAt } from "../../src/state/store.js";

describe("completion", () => {
  it("reads the word being typed as the shell will: quotes and backslashes gone, nothing expanded", () => {
    expect(dequote("bridge-lab")).toBe("bridge-lab");
    expect(dequote("x\\$\\(touch")).toBe("x$(touch");
    expect(dequote("'x$(")).toBe("x$("); // a quote still open
    expect(dequote(`"a\\"b\\$c\\d`)).toBe('a"b$c\\d');
    expect(dequote(`a'b c'"d"`)).toBe("ab cd");
  });

  it("bash: candidates are file names to readline (it quotes them) and are read whole, never split or globbed", () => {
    const s = completionScript("bash", "/opt/net lab/bin/netlab");
    expect(s).toContain("complete -o default -o filenames -F _netlab netlab");
    expect(s).toContain("mapfile -t COMPREPLY < <('/opt/net lab/bin/netlab' __complete --bash --");
    expect(s).not.toMatch(/COMPREPLY=\(\$\(/);
  });
});

describe("instances", () => {
  it("a state's instance is its journal's first line, else lab.json's; anything else is none", () => {
    const dir = mkdtempSync(join(tmpdir(), "netlab-instance-"));
    try {
      expect(instanceAt(dir)).toBeNull();
      writeFileSync(join(dir, "lab.json"), JSON.stringify({ instance: "00112233445566aa" }));
      expect(instanceAt(dir)).toBe("00112233445566aa");
      writeFileSync(join(dir, "journal.jsonl"), `${JSON.stringify({ t: "instance", id: "ffeeddccbbaa9988" })}\n{"t":"complete"}\n`);
      expect(instanceAt(dir)).toBe("ffeeddccbbaa9988");
      writeFileSync(join(dir, "journal.jsonl"), `${JSON.stringify({ t: "instance", id: "../x" })}\n`);
      writeFileSync(join(dir, "lab.json"), "{");
      expect(instanceAt(dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("descriptors", () => {
  it("netlab closes what its caller left open beyond 0-2 as it starts", () => {
    const fds = resolve(import.meta.dirname, "../../src/runtime/fds.ts");
    const code = `import { closeInheritedFds } from ${JSON.stringify(fds)}; import { readdirSync } from "node:fs";
      const closed = closeInheritedFds(); console.log(JSON.stringify({ closed, left: readdirSync("/proc/self/fd").map(Number).filter((f) => [100, 240, 300].includes(f)) }));`;
    const r = spawnSync("bash", ["-c", `exec 100>/dev/null 240</dev/null 300>&1; exec npx --no-install tsx -e '${code.replace(/'/g, "'\\''")}'`], { encoding: "utf8" });
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { closed: number[]; left: number[] };
    expect(out.closed).toEqual(expect.arrayContaining([100, 240, 300]));
    expect(out.left).toEqual([]);
  });
});
