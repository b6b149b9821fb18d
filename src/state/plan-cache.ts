// The plan of the version of a lab that is up, as it was compiled when it was made: apply
// compares the new version against it instead of compiling that version again (half of a
// 1,000-node apply's planning). A side file of the state (plan.json).
import type { Plan } from "../plan/ops.js";
import { BUILD } from "./build.js";
import { readSide, writeSide } from "./side-file.js";
import type { LabState } from "./store.js";

/** The recorded plan; null when absent, of another version of the lab (`hash`) or of another build of netlab (BUILD): compile then. */
export function readPlan(state: LabState, hash: string): Plan | null {
  const c = readSide<{ hash: string; release: string; plan: Plan }>(state, "plan.json");
  return c?.hash === hash && c.release === BUILD() ? c.plan : null;
}

/** Records the plan of the version just made; a failure only costs the next apply a compile. */
export function writePlan(state: LabState, hash: string, plan: Plan): void {
  writeSide(state, "plan.json", { hash, release: BUILD(), plan });
}
