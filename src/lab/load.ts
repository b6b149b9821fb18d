// Loading a lab: find it, read it with positions, validate it, resolve it.
export { findLabFile, shippedLabs, SHIPPED_LABS } from "./find.js";
import { relative, resolve } from "node:path";
import { findLabFile, shippedLabs } from "./find.js";
import { LabError, UsageError } from "../errors.js";
import { isCompose, lowerCompose } from "../compose/lower.js";
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
}

/**
 * The raw lab a source holds: a lab file as it is; a Compose file lowered into one (compose/),
 * its problems and warnings located in the Compose file.
 */
function shaped(src0: LabSource): { src: LabSource; raw: RawLab } {
  if (!isCompose(src0.data)) return { src: src0, raw: validateShape(src0) };
  const l = lowerCompose(src0);
  if (l.errors.length) throw new LabError(l.errors);
  const src = src0.lowered(l.raw, l.translate);
  src.warnings = l.warnings;
  return { src, raw: validateShape(src) };
}

export function loadLabFile(file: string, opts: LoadOptions = {}): Lab {
  const { src, raw } = shaped(LabSource.fromFile(file, display(file)));
  const lab = resolveLab(src, raw, opts);
  lab.file = resolve(file);
  sources.set(lab, src);
  return lab;
}

export function loadLab(ref: string, opts: LoadOptions = {}): Lab {
  const file = findLabFile(ref);
  if (!file) {
    const names = shippedLabs().map((f) => f.replace(/^.*\//, "").replace(/\.(ya?ml|json)$/, ""));
    throw new UsageError(`no lab file "${ref}" (looked for ${ref}, ./labs/${ref}.yaml and the shipped labs)`, `shipped labs: ${names.join(", ")}`);
  }
  return loadLabFile(file, opts);
}

export function labFromText(text: string, file = "<lab>"): Lab {
  const { src, raw } = shaped(LabSource.fromText(text, file));
  const lab = resolveLab(src, raw);
  sources.set(lab, src);
  return lab;
}

export function labFromObject(data: unknown, file = "<lab>"): Lab {
  const src = LabSource.fromObject(data, file);
  return resolveLab(src, validateShape(src));
}
