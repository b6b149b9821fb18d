// `netlab init [FILE] [--from LAB]`: a new lab file — the starter, or a copy of a shipped lab —
// with the editor's schema line pointing at this netlab's schema, and a name that is its own.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { LabSource } from "../lab/source.js";
import { UsageError } from "../errors.js";
import { findLabFile, SHIPPED_LABS } from "../lab/find.js";
import { SCHEMA_FILE } from "../lab/json-schema.js";
import { LAB_NAME } from "../lab/schema.js";
import { shQuote } from "../shell.js";
import { STARTER } from "./template.js";
import { writeOutput } from "../output-file.js";

export const SCHEMA_PATH = resolve(SHIPPED_LABS, "..", SCHEMA_FILE);
const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*\n/;

/** A lab name from a file name: lowercase, a-z0-9 and '-', starting with a letter, at most 63 (the file's own name, where it can be). */
export function labNameFor(file: string): string {
  const stem = basename(file).replace(/\.(ya?ml|json)$/i, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 63).replace(/-+$/, "");
  return LAB_NAME.test(stem) ? stem : "mylab";
}

export function initLab(file: string | undefined, opts: { from?: string; force?: boolean; cwd?: string } = {}): { file: string; name: string } {
  const cwd = opts.cwd ?? process.cwd();
  let text: string;
  let name: string;
  // Found before the copy is written: then the name would find the copy itself (./NAME.yaml).
  const src = opts.from ? findLabFile(opts.from, cwd) : null;
  if (opts.from) {
    if (!src) throw new UsageError(`no lab "${opts.from}" to copy`, "netlab labs lists the shipped ones; a path to a lab file works too");
    text = readFileSync(src, "utf8").replace(SCHEMA_LINE, "");
    const own = /^name:\s*(\S+)/m.exec(text)?.[1] ?? labNameFor(src);
    name = file ? labNameFor(file) : own;
    text = text.replace(/^name:\s*\S+/m, `name: ${name}`);
    file ??= `${basename(src).replace(/\.(ya?ml|json)$/i, "")}.yaml`;
  } else {
    // `netlab init` alone names the lab after the directory it is in, as `npm init` does.
    name = labNameFor(file ?? basename(cwd));
    file ??= "lab.yaml";
    // Its name finds it from here only as ./NAME.yaml: else the comments say the file.
    text = STARTER(name, file === `${name}.yaml` ? name : shQuote(file));
  }
  const path = resolve(cwd, file);
  const schema = relative(dirname(path), SCHEMA_PATH);
  // Through output-file: never through a link someone else planted, owned by the user sudo ran us for.
  writeOutput(path, `# yaml-language-server: $schema=${schema}\n${text}`, { overwrite: !!opts.force, mkdirs: true, existsHint: "choose another file name, or add --force to overwrite it" });
  if (src) copyManifests(src, text, dirname(path), !!opts.force);
  return { file: path, name };
}

/** A copied cluster lab's manifest files (kubernetes.manifests: files and directories), beside the copy at the same relative paths. */
function copyManifests(src: string, text: string, to: string, force: boolean): void {
  const data = LabSource.fromText(text, src).data as { kubernetes?: { manifests?: unknown[] } } | null;
  const from = dirname(src);
  for (const entry of data?.kubernetes?.manifests ?? []) {
    if (typeof entry !== "string" || /[*?[\]{}]/.test(entry) || isAbsolute(entry)) continue;
    const at = resolve(from, entry);
    const files = existsSync(at) && statSync(at).isDirectory() ? readdirSync(at).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(entry, f)) : existsSync(at) ? [entry] : [];
    for (const f of files) {
      const dest = resolve(to, f);
      if (existsSync(dest) && !force) continue; // a manifest of the user's own stays
      writeOutput(dest, readFileSync(resolve(from, f), "utf8"), { overwrite: force, mkdirs: true });
    }
  }
}
