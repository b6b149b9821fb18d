// Files of a lab's state beside lab.json that only spare work (plan.json: the plan of the
// version up; inputs.json: what it was loaded from). Root's alone like the rest of the state,
// written whole (aside, then renamed); one that cannot be read or written is as if absent, which
// costs the next command its short way, never its result.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabState } from "./store.js";

/** The side file `name` of `state` as it was written; null when absent or unreadable. */
export function readSide<T>(state: LabState, name: string): T | null {
  try {
    return JSON.parse(readFileSync(join(state.dir, name), "utf8")) as T;
  } catch {
    return null;
  }
}

/** Replaces the side file `name` whole; null, or a failure, leaves none. */
export function writeSide(state: LabState, name: string, value: unknown): void {
  const path = join(state.dir, name);
  try {
    if (value === null) return rmSync(path, { force: true });
    writeFileSync(`${path}.new`, JSON.stringify(value), { mode: 0o600 });
    renameSync(`${path}.new`, path);
  } catch {
    rmSync(path, { force: true });
  }
}
