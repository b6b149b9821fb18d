// inputs.json beside lab.json: what the version up was loaded from (lab/inputs.ts), so that an
// `up` of the same inputs is answered from the state alone (src/unchanged.ts).
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InputRecord } from "../lab/inputs.js";
import type { LabState } from "./store.js";

const pathOf = (state: LabState) => join(state.dir, "inputs.json");

export function readInputs(state: LabState): InputRecord | null {
  try {
    return JSON.parse(readFileSync(pathOf(state), "utf8")) as InputRecord;
  } catch {
    return null;
  }
}

/** Replaces the record whole (aside, then renamed); null, or a failure, leaves none: up takes the long way. */
export function writeInputs(state: LabState, rec: InputRecord | null): void {
  const path = pathOf(state);
  try {
    if (!rec) return rmSync(path, { force: true });
    writeFileSync(`${path}.new`, JSON.stringify(rec), { mode: 0o600 });
    renameSync(`${path}.new`, path);
  } catch {
    rmSync(path, { force: true });
  }
}
