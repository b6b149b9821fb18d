// The lab file's text as the lab that is up was read from it (a cluster's only): kubectl's verbs
// (apply -f, delete, scale) change the cluster's objects, not what the file says since — so they
// read the file as it was, not as it may have been edited and not yet applied.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../lab/model.js";
import type { LabState } from "./store.js";

const path = (state: LabState) => join(state.dir, "lab-file.txt");

/** Keeps the text `lab` was read from (its file now: read a moment after, as good as the same). */
export function keepLabText(state: LabState, lab: Lab): void {
  if (!lab.kube) return;
  try {
    writeFileSync(path(state), readFileSync(lab.file, "utf8"), { mode: 0o600 });
  } catch {
    /* a file gone since: the verbs read the file (and say so if it is gone) */
  }
}

/** The text kept, or undefined. */
export function labText(state: LabState): string | undefined {
  try {
    return readFileSync(path(state), "utf8");
  } catch {
    return undefined;
  }
}
