// Mutated shipped labs through the real CLI, as root in a sandbox: netlab never shows a stack
// trace, exits only 0, 2 or 3, touches nothing when it refuses, and what it brings up goes down
// without a trace. (test/unit/fuzz.test.ts runs many more mutations through the library.)
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { shippedLabs } from "../../src/lab/load.js";
import { mutatedLab, SEED } from "../unit/mutate.js";
import { IS_ROOT, Sandbox } from "./sandbox.js";

describe.skipIf(!IS_ROOT)("fuzzed lab files through the CLI", () => {
  it("exit 0, 2 or 3, no stack trace, nothing touched on refusal, nothing left after down", { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "netlab-fuzz-"));
    const bases = shippedLabs().map((f) => load(readFileSync(f, "utf8")) as Record<string, unknown>);
    const samples = fc.sample(mutatedLab(bases), { numRuns: Number(process.env.FUZZ_CLI_RUNS ?? 30), seed: SEED });
    const codes: Record<number, number> = {};
    const sb = await Sandbox.create();
    try {
      const before = await sb.snapshot();
      for (const [i, lab] of samples.entries()) {
        const file = join(dir, `fuzz-${i}.yaml`);
        const text = dump(lab, { skipInvalid: true, lineWidth: -1 });
        writeFileSync(file, text);
        const r = await sb.netlab(["up", file]);
        codes[r.code] = (codes[r.code] ?? 0) + 1;
        const what = `fuzz-${i}.yaml (exit ${r.code}):\n${text}\n${r.stderr}`;
        expect([0, 2, 3], what).toContain(r.code);
        expect(r.stderr, what).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
        expect(r.stderr, what).not.toContain("looks like a bug");
        if (r.code === 0) {
          const name = (lab as { name: string }).name;
          expect((await sb.netlab(["down", name])).code, what).toBe(0);
        }
        expect(await sb.snapshot(), what).toEqual(before);
      }
    } finally {
      await sb.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
    // Some came up and some were refused, or the fuzzing tested nothing.
    expect(codes[0] ?? 0).toBeGreaterThan(0);
    expect(codes[2] ?? 0).toBeGreaterThan(0);
  });
});
