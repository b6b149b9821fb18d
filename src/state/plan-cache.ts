// The plan of the version of a lab that is up, as it was compiled when it was made: apply
// compares the new version against it instead of compiling that version again (half of a
// 1,000-node apply's planning). Beside lab.json, root's alone like the rest of the state.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Plan } from "../plan/ops.js";
import { BUILD } from "./build.js";
import type { LabState } from "./store.js";

const pathOf = (state: LabState) => join(state.dir, "plan.json");

/** The recorded plan; null when absent, of another version of the lab (`hash`) or of another build of netlab (BUILD): compile then. */
export function readPlan(state: LabState, hash: string): Plan | null {
  try {
    const c = JSON.parse(readFileSync(pathOf(state), "utf8")) as { hash: string; release: string; plan: Plan };
    return c.hash === hash && c.release === BUILD() ? c.plan : null;
  } catch {
    return null;
  }
}

/** Records the plan of the version just made (aside, then renamed); a failure only costs the next apply a compile. */
export function writePlan(state: LabState, hash: string, plan: Plan): void {
  const path = pathOf(state);
  try {
    writeFileSync(`${path}.new`, JSON.stringify({ hash, release: BUILD(), plan }), { mode: 0o600 });
    renameSync(`${path}.new`, path);
  } catch {
    rmSync(path, { force: true });
  }
}
