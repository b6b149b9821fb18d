// Property-based fuzzing of lab files: random mutations of the shipped labs either load or
// are refused with LabError (file:line:column, exit 2) — never another exception, which the
// CLI would report as a bug. What loads also plans and renders. Huge and hostile inputs are
// refused in bounded time. (The integration suite runs mutated files through the real CLI.)
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { LabError } from "../../src/errors.js";
import { labFromText, shippedLabs } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { renderPlan } from "../../src/runtime/ops/index.js";
import { mutatedLab, SEED } from "./mutate.js";

const bases = shippedLabs().map((f) => load(readFileSync(f, "utf8")) as Record<string, unknown>);

/** Loads and plans a lab text; returns "ok", "refused", or throws what escaped. */
export function attempt(text: string): "ok" | "refused" {
  try {
    const lab = labFromText(text, "fuzz.yaml");
    renderPlan(compile(lab, { stateDir: "/run/netlab/x" }), "x");
    return "ok";
  } catch (e) {
    if (e instanceof LabError) {
      expect(e.problems.length).toBeGreaterThan(0);
      for (const p of e.problems) expect(p.loc?.line ?? 1).toBeGreaterThan(0);
      return "refused";
    }
    throw e;
  }
}

describe("fuzzed lab files", () => {
  it("mutations of every shipped lab load or are refused with LabError, never anything else", () => {
    const seen = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(mutatedLab(bases), (lab) => {
        seen[attempt(dump(lab, { skipInvalid: true, lineWidth: -1 }))]++;
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), seed: SEED },
    );
    // A fuzzer that never gets past validation, or never fails it, tests nothing.
    expect(seen.ok).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(5);
  });

  it("raw text: arbitrary strings and broken YAML are refused, not crashed on", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom(...shippedLabs().map((f) => readFileSync(f, "utf8"))).chain((t) => fc.integer({ min: 0, max: t.length }).map((i) => t.slice(0, i) + "\n  : [\n" + t.slice(i)))), (text) => {
        attempt(text);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it("hostile inputs are refused in bounded time: deep nesting, an alias bomb, a huge file", () => {
    const cases = [
      `name: x\nnodes: ${"[".repeat(100_000)}`,
      `name: x\ndescription: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`,
      `name: x\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`,
      `name: x\ndescription: "${"x".repeat(5_000_000)}"\nnodes: { a: { bogus: 1 } }\n`,
    ];
    for (const text of cases) {
      const t0 = Date.now();
      expect(attempt(text)).toBe("refused");
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
  });
});
