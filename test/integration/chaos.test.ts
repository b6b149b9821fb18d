// A short run of the chaos harness (scripts/chaos runs hundreds): every kind of trial, seeded.
import { describe, expect, it } from "vitest";
import { KINDS, measureUp, prng, trial } from "./chaos.js";
import { IS_ROOT } from "./sandbox.js";

describe.skipIf(!IS_ROOT)("chaos (short)", () => {
  it("random kills, signals, overlaps and races leave nothing behind", { timeout: 240_000 }, async () => {
    const rnd = prng(Number(process.env.CHAOS_SEED ?? 7));
    const upMs = await measureUp();
    const results = [];
    // Each kind once, kills during up twice (where most can go wrong); scripts/chaos runs hundreds.
    for (const kind of [...KINDS, "kill-up" as const]) results.push(await trial(kind, rnd, upMs));
    const bad = results.filter((r) => r.leftovers.length);
    expect(bad.map((r) => `${r.kind}: ${r.detail}\n  ${r.leftovers.join("\n  ")}`)).toEqual([]);
  });
});
