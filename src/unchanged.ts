// `up` of a lab that is up from the very same inputs, answered from its state (issue 23): the
// record of what it was loaded from (lab/inputs.ts, written by the up or apply that made it),
// the files read again and compared by digest, and the one read of its namespaces that tells
// nothing was removed by hand — without loading, checking and resolving the lab again. Any
// doubt is the long way's (api.ts up), which decides as before: this says "unchanged" only where
// that would. It loads none of the loader (the schema, the front-ends, the planner).
import type { InputRecord } from "./lab/inputs.js";
import { sameFiles } from "./lab/inputs.js";
import { findLabFile } from "./lab/find.js";
import type { Lab } from "./lab/model.js";
import { drift } from "./runtime/drift.js";
import { markSelf } from "./runtime/env.js";
import { timing } from "./runtime/timing.js";
import { upFileOf } from "./running.js";
import { BUILD } from "./state/build.js";
import { readSide } from "./state/side-file.js";
import { LabState, labsWithState, type Meta } from "./state/store.js";

/**
 * The lab `given` (a file, or the name of a lab that is up, as `up` takes it) when it is up,
 * whole, from the same files read by this build with the same --isolated; else null.
 */
export async function upUnchanged(given: string, isolated: boolean | undefined): Promise<{ lab: Lab; rec: InputRecord } | null> {
  try {
    const file = findLabFile(upFileOf(given) ?? given);
    const found = file ? recordOf(file) : null;
    if (!found) return null;
    const { state, rec } = found;
    if (rec.isolated !== (isolated ?? null) || rec.cwd !== process.cwd() || rec.build !== BUILD()) return null;
    const meta = settled(state);
    if (!meta || meta.hash !== rec.hash || !sameFiles(rec.files)) return null;
    timing("the record and the state read");
    if (!(await whole(state, meta))) return null;
    timing("up and unchanged, by the record of its files");
    return { lab: meta.lab, rec };
  } catch {
    return null; // its state changing under us (a down at work): the long way says what it is
  }
}

/** The version up, when no netlab is at work on it and no apply is unfinished (null: the long way decides, under the lock). */
export function settled(state: LabState): Meta | null {
  return state.exists() && !state.busy() && state.complete() && !state.readPending().length ? state.readMeta() : null;
}

/** Whether nothing of the version up was removed by hand (one read of its namespaces, drift.ts). */
export async function whole(state: LabState, meta: Meta): Promise<boolean> {
  markSelf(meta.lab.name, state.instance()); // our tools are this instance's while they read
  return !(await drift(meta, state.journal())).missing.length;
}

/** The lab up whose record names `file` as its lab file. */
function recordOf(file: string): { state: LabState; rec: InputRecord } | null {
  for (const name of labsWithState()) {
    const state = new LabState(name);
    const rec = readSide<InputRecord>(state, "inputs.json");
    if (rec?.file === file) return { state, rec };
  }
  return null;
}
