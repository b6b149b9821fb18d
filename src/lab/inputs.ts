// What the loader read to make a lab (issue 23): each file by its digest, so that an `up` of a
// lab that is up from the very same inputs can be told so without loading, checking and
// resolving them again (src/unchanged.ts). Only reads made through here count; a front-end whose
// result also depends on what cannot be recorded this way (a Compose file's environment and .env,
// a directory of manifests, the host's routes) makes the record opaque, and `up` then takes the
// long way. Must stay light: the short way loads this module, not the loader.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { sha256 } from "../digest.js";
import type { Problem } from "../errors.js";

/** What one load read. */
export interface Inputs {
  /** Absolute path → the text read (digested only for a record: `validate` never is, and saves node:crypto). */
  texts: Record<string, string>;
  /** Something was read that a digest of files does not capture. */
  opaque: boolean;
}

/** inputs.json in the lab's state: these inputs, loaded by this build with these options, made the lab whose hash is `hash`. */
export interface InputRecord {
  /** The lab file, absolute. */
  file: string;
  /** The directory it was named from: the paths in what the loader said are relative to it. */
  cwd: string;
  /** `up --isolated` as given (null: not given). */
  isolated: boolean | null;
  /** The netlab build that loaded them (state/build.ts): another may read the same files otherwise. */
  build: string;
  files: Record<string, string>;
  /** labHash of the lab they made: lab.json holds that version, or the record is not its. */
  hash: string;
  /** What the loader said on the way, said again on the short way. */
  warnings: Problem[];
  notes: { text: string; when: "up" | "verbose" }[];
}

let current: Inputs | null = null;

/** Runs a (synchronous) load, recording what it reads. */
export function recordInputs<T>(load: () => T): { value: T; inputs: Inputs } {
  const outer = current;
  const inputs: Inputs = (current = { texts: {}, opaque: false });
  try {
    return { value: load(), inputs };
  } finally {
    current = outer;
    if (outer) Object.assign(outer.texts, inputs.texts), (outer.opaque ||= inputs.opaque);
  }
}

export const digest = (text: string): string => sha256(text).toString("base64url");

/** A load's files by digest (absolute path → digest), as its record keeps them. */
export const digests = (inputs: Inputs): Record<string, string> =>
  Object.fromEntries(Object.entries(inputs.texts).map(([f, text]) => [f, digest(text)]));

/** The loader read `file` and found `text` there. */
export function noteInput(file: string, text: string): void {
  if (current) current.texts[resolve(file)] = text;
}

/** The loader read something a file's digest does not capture. */
export function opaqueInput(): void {
  if (current) current.opaque = true;
}

/** Whether every file of a record still reads as it did. */
export function sameFiles(files: Record<string, string>): boolean {
  for (const [f, d] of Object.entries(files)) {
    try {
      if (digest(readFileSync(f, "utf8")) !== d) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const recorded = new WeakMap<object, Inputs>();

/** What loading `lab` read (loadForHost records it). */
export const inputsOf = (lab: object): Inputs | undefined => recorded.get(lab);
export const setInputs = (lab: object, inputs: Inputs): void => void recorded.set(lab, inputs);
