// Finding and loading a lab: `NAME` is a path, else ./labs/NAME.yaml, else a shipped lab.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";
import type { Lab } from "./model.js";
import { resolveLab, validateShape } from "./resolve.js";
import { LabSource } from "./source.js";

export const SHIPPED_LABS = resolve(dirname(fileURLToPath(import.meta.url)), "../../labs");
const EXTS = [".yaml", ".yml", ".json"];

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Returns the lab file a reference names, or null. */
export function findLabFile(ref: string, cwd = process.cwd()): string | null {
  const direct = resolve(cwd, ref);
  if (isFile(direct)) return direct;
  if (ref.includes("/")) return null;
  for (const dir of [join(cwd, "labs"), SHIPPED_LABS]) {
    for (const ext of EXTS) {
      const p = join(dir, ref + ext);
      if (isFile(p)) return p;
    }
  }
  return null;
}

export function shippedLabs(): string[] {
  if (!existsSync(SHIPPED_LABS)) return [];
  return readdirSync(SHIPPED_LABS).filter((f) => EXTS.some((e) => f.endsWith(e))).sort().map((f) => join(SHIPPED_LABS, f));
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

const sources = new WeakMap<Lab, LabSource>();

/** The parsed file a lab came from, for locating errors found after loading (preflight). */
export function sourceOf(lab: Lab): LabSource | null {
  return sources.get(lab) ?? null;
}

export function loadLabFile(file: string): Lab {
  const src = LabSource.fromFile(file, display(file));
  const lab = resolveLab(src, validateShape(src));
  lab.file = resolve(file);
  sources.set(lab, src);
  return lab;
}

export function loadLab(ref: string): Lab {
  const file = findLabFile(ref);
  if (!file) {
    const names = shippedLabs().map((f) => f.replace(/^.*\//, "").replace(/\.(ya?ml|json)$/, ""));
    throw new UsageError(`no lab file "${ref}" (looked for ${ref}, ./labs/${ref}.yaml and the shipped labs)`, `shipped labs: ${names.join(", ")}`);
  }
  return loadLabFile(file);
}

export function labFromText(text: string, file = "<lab>"): Lab {
  const src = LabSource.fromText(text, file);
  return resolveLab(src, validateShape(src));
}

export function labFromObject(data: unknown, file = "<lab>"): Lab {
  const src = LabSource.fromObject(data, file);
  return resolveLab(src, validateShape(src));
}
