// The lab file's text, and its manifest files' (a cluster's only), as the lab that is up was read
// from them: kubectl's verbs (apply -f, delete, scale) change the cluster's objects, not what the
// files say since — so they read the files as they were, not as they may have been edited and
// not yet applied.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../lab/model.js";
import type { LabState } from "./store.js";

const path = (state: LabState) => join(state.dir, "lab-files.json");

export interface KeptText {
  text: string;
  /** Manifest files: absolute path → text. */
  files: Record<string, string>;
}

/** Keeps the texts `lab` was read from (the files now: read a moment after, as good as the same). */
export function keepLabText(state: LabState, lab: Lab): void {
  if (!lab.kube) return;
  try {
    const files = Object.fromEntries((lab.kube.files ?? []).map((f) => [f, readFileSync(f, "utf8")]));
    writeFileSync(path(state), JSON.stringify({ text: readFileSync(lab.file, "utf8"), files } satisfies KeptText), { mode: 0o600 });
  } catch {
    /* a file gone since: the verbs read the files (and say so if one is gone) */
  }
}

/** The texts kept, or undefined. */
export function labText(state: LabState): KeptText | undefined {
  try {
    return JSON.parse(readFileSync(path(state), "utf8")) as KeptText;
  } catch {
    return undefined;
  }
}
