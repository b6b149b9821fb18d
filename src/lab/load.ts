// Loading a lab: find it, read it with positions, validate it, resolve it.
export { findLabFile, shippedLabs, SHIPPED_LABS } from "./find.js";
import { relative, resolve } from "node:path";
import { findLabFile, shippedLabs } from "./find.js";
import { LabError, UsageError } from "../errors.js";
import { isCompose, lowerCompose, type ComposeOptions } from "../compose/lower.js";
import type { RawLab } from "./schema.js";
import type { Lab } from "./model.js";
import { resolveLab, validateShape } from "./resolve/index.js";
import { LabSource } from "./source.js";

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

const sources = new WeakMap<Lab, LabSource>();

/** The parsed file a lab came from, for locating errors found after loading (preflight). */
export function sourceOf(lab: Lab): LabSource | null {
  return sources.get(lab) ?? null;
}

export interface LoadOptions {
  /** As `netlab up --isolated`: the lab's host is a namespace of its own, whatever the file says. */
  isolated?: boolean;
  /** For a Compose file: profiles, env files, project name (the command line's), the environment. */
  compose?: ComposeOptions;
  /** The lab as it is up: its nodes keep the automatic addresses they have (apply). */
  previous?: Lab;
}

/**
 * The raw lab a source holds: a lab file as it is; a Compose file lowered into one (compose/),
 * its problems and warnings located in the Compose file.
 */
function shaped(src0: LabSource, compose?: ComposeOptions): { src: LabSource; raw: RawLab; name?: string } {
  if (!isCompose(src0.data)) return { src: src0, raw: validateShape(src0) };
  const l = lowerCompose(src0, compose);
  if (l.errors.length) throw new LabError(l.errors);
  const src = src0.lowered(l.raw, l.translate);
  src.warnings = l.warnings;
  src.notes = l.notes;
  return { src, raw: validateShape(src), name: l.name };
}

/** Resolves a shaped source; a Compose project keeps its whole name (its kernel names use raw.name, the same prefix). */
function resolved(s: { src: LabSource; raw: RawLab; name?: string }, opts: LoadOptions): Lab {
  const lab = resolveLab(s.src, s.raw, opts);
  if (s.name !== undefined) lab.name = s.name;
  sources.set(lab, s.src);
  return lab;
}

export function loadLabFile(file: string, opts: LoadOptions = {}): Lab {
  const lab = resolved(shaped(LabSource.fromFile(file, display(file)), opts.compose), opts);
  lab.file = resolve(file);
  return lab;
}

export function loadLab(ref: string, opts: LoadOptions = {}): Lab {
  const file = findLabFile(ref);
  if (!file) {
    const names = shippedLabs().map((f) => f.replace(/^.*\//, "").replace(/\.(ya?ml|json)$/, ""));
    throw new UsageError(`no lab file "${ref}" (looked for ${ref}, ./labs/${/\.(ya?ml|json)$/.test(ref) ? ref : `${ref}.yaml`} and the shipped labs)`, `shipped labs: ${names.join(", ")}`);
  }
  return loadLabFile(file, opts);
}

export function labFromText(text: string, file = "<lab>", opts: LoadOptions = {}): Lab {
  return resolved(shaped(LabSource.fromText(text, file), opts.compose), opts);
}

export function labFromObject(data: unknown, file = "<lab>"): Lab {
  const src = LabSource.fromObject(data, file);
  return resolveLab(src, validateShape(src));
}
