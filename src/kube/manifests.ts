// `kubernetes.manifests`: what `kubectl apply -f` would take — files of one or more YAML
// documents (`---`), globs, or objects written inline in the lab file. Each document keeps
// where it was written, so a problem in a manifest points at its own file:line:column.
import { opaqueInput } from "../lab/inputs.js";
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import type { KeyPath, Problem } from "../errors.js";
import { LabSource, type Origin } from "../lab/source.js";

/** One Kubernetes object as written, and where each of its keys is. */
export interface Manifest {
  data: Record<string, unknown>;
  /** Where key `k` of the object is written: its document, or the lab file for an inline one. */
  at: (k: KeyPath) => Origin;
}

/** A problem at key `k` of a manifest, located in its own document. */
export function problemAt(m: { at: (k: KeyPath) => Origin }, k: KeyPath, message: string, hint?: string): Problem {
  const o = m.at(k);
  return o.src.problem(o.key, message, hint);
}

/** A mapping (a YAML object), not a list or a scalar. */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `kind: List`, `PodList`, … (what kubectl get -o yaml prints, and apply -f takes): its items, lists in lists too; anything else: itself. */
export const itemsOf = (v: unknown): unknown[] => (isObj(v) && typeof v.kind === "string" && v.kind.endsWith("List") && Array.isArray(v.items) ? v.items.flatMap(itemsOf) : [v]);
const GLOB = /[*?[\]{}]/;
/** tinyglobby, loaded only when a manifest entry is a glob or a directory (every command loads this module). */
const globSync = (pattern: string, opts: { cwd: string; absolute: boolean }): string[] =>
  (createRequire(import.meta.url)("tinyglobby") as typeof import("tinyglobby")).globSync(pattern, opts);
const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The manifests of a lab, in the order written (a glob's files sorted). `labFile` is the lab
 * file's path (manifests are relative to its directory). A file that cannot be read or parsed
 * throws LabError (located); an entry naming no file, or a document that is no Kubernetes
 * object, is a problem at that entry or document.
 */
export function readManifests(src: LabSource, entries: unknown[], labFile: string, kept?: Record<string, string>): { manifests: Manifest[]; problems: Problem[]; read: string[] } {
  const base = dirname(resolve(labFile));
  const manifests: Manifest[] = [];
  const problems: Problem[] = [];
  const read: string[] = [];
  const key = (i: number, k: KeyPath = []): KeyPath => ["kubernetes", "manifests", i, ...k];
  const add = (doc: LabSource | null, i: number, within: KeyPath = []) => (data: unknown, index = 0): void => {
    const at = doc ? (k: KeyPath): Origin => ({ src: doc, key: [...within, ...k] }) : (k: KeyPath): Origin => ({ src, key: key(i, [...within, ...k]) });
    // A List: each of its items, located under it.
    if (itemsOf(data)[0] !== data) return (data as { items: unknown[] }).items.forEach((item, j) => add(doc, i, [...within, "items", j])(item, index));
    const m = { data: isObj(data) ? data : {}, at };
    if (!isObj(data) || typeof data.kind !== "string" || typeof data.apiVersion !== "string") {
      problems.push(problemAt(m, [], `${doc ? `document ${index + 1} of ${doc.file}` : `manifests[${i}]`} is not a Kubernetes object`, "an object has apiVersion:, kind: and metadata: { name: }, as kubectl apply -f takes"));
    } else manifests.push(m);
  };
  entries.forEach((entry, i) => {
    if (isObj(entry)) return add(null, i)(entry);
    const path = String(entry);
    opaqueInput(); // which files a path or a directory names
    // A directory is its manifests, as kubectl apply -f DIR reads it.
    const dir = !GLOB.test(path) && path !== "" && isDir(resolve(base, path));
    const files = GLOB.test(path) || dir ? globSync(dir ? `${path.replace(/\/$/, "")}/*.{yaml,yml,json}` : path, { cwd: base, absolute: true }).sort() : [resolve(base, path)].filter((f) => path !== "" && existsSync(f));
    if (!files.length) {
      const where = relative(process.cwd(), base) || ".";
      problems.push(src.problem(key(i), `${GLOB.test(path) ? "no file matches" : "no file"} ${path} (looked in ${where})`, "manifests are relative to the lab file's directory"));
      return;
    }
    for (const f of files) {
      const display = isAbsolute(path) ? f : relative(process.cwd(), f) || f;
      read.push(f);
      // As the lab up read it, when it is up: kubectl's verbs change objects, not what the files say since.
      const docs = kept?.[f] !== undefined ? LabSource.documentsOfText(kept[f], display) : LabSource.documentsOfFile(f, display);
      docs.forEach((d) => add(d, i)(d.data, d.index));
    }
  });
  return { manifests, problems, read };
}
