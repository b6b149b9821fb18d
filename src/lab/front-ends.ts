// The front-ends: every format netlab reads lowers into the raw lab (the shape lab/schema.ts
// checks), through this one registry. A document is claimed by the first front-end that
// recognises its shape; a lab file is netlab's own format and lowers as it is.
import type { ComposeOptions } from "../compose/env.js";
import { isCompose, lowerCompose } from "../compose/lower.js";
import type { Problem } from "../errors.js";
import type { LabSource, Translate } from "./source.js";

/** What a front-end gives: the raw lab, where its keys were written, and what it has to say. */
export interface Lowering {
  /** The raw lab (not yet shape-checked: validation locates its problems through `translate`). */
  raw: unknown;
  /** A lab key → the key it came from, in the document lowered or in another (a manifest). */
  translate: Translate;
  /** The lab's name for the user when it is not the raw lab's (a Compose project's, kept whole). */
  name?: string;
  /** Fatal problems in the front-end's own terms, located in its documents. */
  errors: Problem[];
  /** Where the front-end loses meaning: said at validate and up, never fatal. */
  warnings: Problem[];
  /** One-line notes: "up" ones at every up, "verbose" ones at validate (and up --verbose). */
  notes: { text: string; when: "up" | "verbose" }[];
}

/** What a front-end may need from the command line. */
export interface FrontEndOptions {
  compose?: ComposeOptions;
}

export interface FrontEnd {
  /** The format's name, as messages say it ("Compose"). */
  readonly name: string;
  /** Whether a document is written in this format, by its shape alone. */
  claims(data: unknown): boolean;
  /** The raw lab the document lowers into. */
  lower(src: LabSource, opts: FrontEndOptions): Lowering;
}

/** Docker Compose (compose/): a file with services and none of a lab's own sections. */
const compose: FrontEnd = {
  name: "Compose",
  claims: isCompose,
  lower: (src, opts) => lowerCompose(src, opts.compose),
};

/** In the order they are asked; the lab file's own format is what none of them claims. */
export const FRONT_ENDS: readonly FrontEnd[] = [compose];

/** The front-end a document is written for, or null for a lab file. */
export function frontEndOf(data: unknown): FrontEnd | null {
  return FRONT_ENDS.find((f) => f.claims(data)) ?? null;
}
