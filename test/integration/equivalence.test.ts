// A short run of apply's proof of equivalence (issue 20, item 7): after every apply of a random
// edit, the live system equals a fresh `up` of the same file; `down` leaves nothing.
// scripts/equivalence runs the long one (EQUIV_RUNS sequences, 200 by default).
import { rmSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edited, editArb, LAB, liveState, render, START, type EqModel } from "./equivalence.js";
import { IS_ROOT, labFiles, Sandbox, type Snapshot } from "./sandbox.js";

const RUNS = Number(process.env.EQUIV_RUNS ?? 1);
const EDITS = Number(process.env.EQUIV_EDITS ?? 4);

describe.skipIf(!IS_ROOT)("apply is equivalent to a fresh up", () => {
  let sb: Sandbox;
  let before: Snapshot;
  const files = labFiles("netlab-equiv-");
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
  });
  afterAll(async () => {
    await sb.netlab(["down", LAB]);
    rmSync(files.dir, { recursive: true, force: true });
    await sb.destroy();
  });

  it(`${RUNS} random sequences of ${EDITS} edits: each apply's result is a fresh up's`, { timeout: 60_000 + RUNS * EDITS * 20_000 }, async () => {
    const ran: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { minLength: EDITS, maxLength: EDITS }), async (edits) => {
        let m: EqModel = START;
        const file = files.write(LAB, render(m));
        expect((await sb.netlab(["up", file])).code).toBe(0);
        try {
          for (const e of edits) {
            m = edited(m, e);
            files.write(LAB, render(m));
            const a = await sb.netlab(["apply", file]);
            expect(`${e.t}: exit ${a.code} ${a.stderr}`).toBe(`${e.t}: exit 0 ${a.stderr}`);
            const applied = await liveState(sb);
            expect((await sb.netlab(["down", LAB])).code).toBe(0);
            expect((await sb.netlab(["up", file])).code).toBe(0);
            expect(applied, `after ${e.t}:\n${render(m)}`).toEqual(await liveState(sb));
          }
        } finally {
          await sb.netlab(["down", LAB]);
        }
        expect(await sb.snapshot()).toEqual(before);
        ran.push(edits.map((e) => e.t).join(","));
      }),
      // EQUIV_PATH replays one counterexample of a seed's run (fast-check's `path`).
      { numRuns: RUNS, seed: Number(process.env.EQUIV_SEED ?? 20), endOnFailure: true, ...(process.env.EQUIV_PATH ? { path: process.env.EQUIV_PATH } : {}) },
    );
    console.log(`equivalence: ${ran.length} sequences of ${EDITS} edits held (${ran.join("; ")})`);
  });
});
