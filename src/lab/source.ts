// Reading a lab file while keeping where every key came from, so that
// every error can point at file:line:column.
import { CORE_SCHEMA, load as fastLoad, loadAll as fastLoadAll } from "js-yaml";
import type { Document, LineCounter, Node as YNode } from "yaml";
import { type KeyPath, type Location } from "../errors.js";
import { allWithPositions, NEEDS_REFERENCE, Parsed, readText, refused, valueOf, yaml } from "./yaml-read.js";

export { expandedSize, MAX_VALUES } from "./yaml-read.js";

/** Each mapping's keys, indexed once: locating thousands of problems stays linear. */
const keyIndex = new WeakMap<object, Map<string, unknown>>();
/** Where a mapping's index keeps the mappings its merge keys bring in (no YAML key is this string). */
const MERGES = "\0<<";

/** Where a key of a lowered lab was written: in another source (a document of another file). */
export interface Origin {
  src: LabSource;
  key: KeyPath;
}

/** A front-end's map from a lab key to where it was written: a key of the source it lowered, or an origin elsewhere. */
export type Translate = (p: KeyPath) => KeyPath | Origin;

const isOrigin = (o: KeyPath | Origin): o is Origin => !Array.isArray(o);

export class LabSource {
  /** Where a front-end (Compose) loses meaning: said at validate and up, never fatal. */
  warnings: import("../errors.js").Problem[] = [];
  /** A front-end's one-line notes: "up" ones at every up, "verbose" ones at validate (and up --verbose). */
  notes: { text: string; when: "up" | "verbose" }[] = [];
  /** A lowering's lab keys → where they are written in its own file, or in another source. */
  private translate: Translate | null = null;
  /** The front-end this lab was lowered from ("Compose"), null for a lab file (its own sugar, hosts:, is not a front-end). */
  frontEnd: string | null = null;

  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly text: Parsed | null,
    /** Which parser read the data: js-yaml on the fast path; null for a lab built in code. */
    readonly parser: "js-yaml" | "yaml" | null,
    /** Which document of the file this is (from 0), for files of several (`---`). */
    readonly index = 0,
  ) {}

  static fromFile(file: string, display = file): LabSource {
    return LabSource.fromText(readText(file, display), display);
  }

  /**
   * YAML 1.2 is a superset of JSON, so one language serves both. A 1,000-node lab parses in
   * ~25 ms with js-yaml against ~200 ms with `yaml`; positions are worked out with `yaml` only
   * when an error needs one. Text that js-yaml refuses, or might read differently, goes to `yaml`.
   */
  static fromText(text: string, file = "<lab>"): LabSource {
    if (!NEEDS_REFERENCE.test(text)) {
      try {
        const data = fastLoad(text, { schema: CORE_SCHEMA, filename: file });
        if (data !== undefined) return new LabSource(file, data, new Parsed(text, false), "js-yaml");
      } catch {
        /* the reference parser says what is wrong, and where */
      }
    }
    const { docs, lines } = allWithPositions(text, false);
    if (docs[0].errors.length) throw refused(docs[0].errors, lines, file);
    const parsed = new Parsed(text, false);
    parsed.set(docs, lines);
    return new LabSource(file, valueOf(docs[0], file), parsed, "yaml");
  }

  /** Every document of a file of several (`---`), as Kubernetes manifests are written; empty documents left out. */
  static documentsOfFile(file: string, display = file): LabSource[] {
    return LabSource.documentsOfText(readText(file, display), display);
  }

  /** Every document of a text of several (`---`), each locating its keys in its own lines. */
  static documentsOfText(text: string, file = "<lab>"): LabSource[] {
    if (!NEEDS_REFERENCE.test(text)) {
      try {
        const parsed = new Parsed(text, true);
        const all = fastLoadAll(text, undefined, { schema: CORE_SCHEMA, filename: file });
        return all.flatMap((data, i) => (data == null ? [] : [new LabSource(file, data, parsed, "js-yaml", i)]));
      } catch {
        /* as fromText */
      }
    }
    const { docs, lines } = allWithPositions(text, true);
    const errors = docs.flatMap((d) => d.errors);
    if (errors.length) throw refused(errors, lines, file);
    const parsed = new Parsed(text, true);
    parsed.set(docs, lines);
    return docs.flatMap((d, i) => {
      const data = valueOf(d, file);
      return data == null ? [] : [new LabSource(file, data, parsed, "yaml", i)];
    });
  }

  private positions(): { doc: Document; lines: LineCounter } | null {
    return this.text?.get(this.index) ?? null;
  }

  /** Whether this is a lab lowered from another format (a Compose file). */
  get isLowered(): boolean {
    return this.frontEnd !== null;
  }

  /**
   * A lab lowered from what this source holds: errors point where its keys were written —
   * `translate` maps a key of the new data to one of this source's (or to an origin elsewhere),
   * through this source's own translation if it was lowered too. `frontEnd` names the format.
   */
  lowered(data: unknown, translate: Translate, frontEnd: string | null = this.frontEnd): LabSource {
    const src = new LabSource(this.file, data, this.text, this.parser, this.index);
    const prev = this.translate;
    src.translate = prev ? (p) => { const o = translate(p); return isOrigin(o) ? o : prev(o); } : translate;
    src.frontEnd = frontEnd;
    src.warnings = this.warnings;
    src.notes = this.notes;
    return src;
  }

  /** For labs built in code (tests, the benchmark): positions are unknown. */
  static fromObject(data: unknown, file = "<lab>"): LabSource {
    return new LabSource(file, data, null, null);
  }

  /** Where a key was written: this source's own key, or a key of another source. */
  private origin(path: KeyPath): Origin {
    const o = this.translate ? this.translate(path) : path;
    return isOrigin(o) ? o : { src: this, key: o };
  }

  /** A key as the user wrote it: a front-end's own key for a lowered lab (services.web.ports[0], not nodes.web.publish[0]). */
  keyOf(path: KeyPath): KeyPath {
    return this.origin(path).key;
  }

  /** A problem at `key`, located in the file and named in the file's own keys. */
  problem(key: KeyPath, message: string, hint?: string): import("../errors.js").Problem {
    return { loc: this.locate(key), key: this.keyOf(key), message, hint };
  }

  /** Where a key is written: the key itself for mapping entries, else the item. Falls back to the nearest ancestor. */
  locate(path: KeyPath): Location {
    const o = this.origin(path);
    return o.src === this ? this.locateOwn(o.key) : o.src.locate(o.key);
  }

  private locateOwn(path: KeyPath): Location {
    const p = this.positions();
    if (!p) return { file: this.file, line: 1, column: 1 };
    for (let n = path.length; n >= 0; n--) {
      const off = this.offsetOf(p.doc, path.slice(0, n));
      if (off !== null) {
        const { line, col } = p.lines.linePos(off);
        return { file: this.file, line, column: col };
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  private offsetOf(doc: Document, path: KeyPath): number | null {
    const { isAlias, isSeq } = yaml();
    // An alias stands for its anchor's node: the key is written there.
    const deref = (n: unknown): unknown => (isAlias(n) ? n.resolve(doc) : n);
    let node: unknown = deref(doc.contents);
    let keyOffset: number | null = null;
    if (path.length === 0) return (node as YNode | null)?.range?.[0] ?? 0;
    for (const seg of path) {
      keyOffset = null;
      if (isSeq(node) && typeof seg === "number") {
        node = deref(node.items[seg]);
        if (node === undefined) return null;
        continue;
      }
      const pair = this.pairOf(doc, node, String(seg), 0);
      if (!pair) return null;
      keyOffset = (pair.key as YNode).range?.[0] ?? null;
      node = deref(pair.value);
    }
    return keyOffset ?? (node as YNode | null)?.range?.[0] ?? null;
  }

  /** A mapping's entry for `key`: its own, else the first of what its merge keys (`<<: [*a, *b]`) bring in, as they merge. */
  private pairOf(doc: Document, node: unknown, key: string, depth: number): { key: YNode; value: unknown } | undefined {
    const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
    if (!isMap(node) || depth > 20) return undefined;
    let index = keyIndex.get(node);
    if (!index) {
      index = new Map();
      const merges: unknown[] = [];
      for (const p of node.items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        const k = p.key.value;
        if (k === "<<" || typeof k === "symbol") merges.push(p.value);
        else if (!index.has(String(k))) index.set(String(k), p);
      }
      index.set(MERGES, merges.flatMap((m) => (isSeq(m) ? m.items : [m])).map((m) => (isAlias(m) ? m.resolve(doc) : m)));
      keyIndex.set(node, index);
    }
    const own = index.get(key) as { key: YNode; value: unknown } | undefined;
    if (own) return own;
    for (const m of index.get(MERGES) as unknown[]) {
      const found = this.pairOf(doc, m, key, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
}
