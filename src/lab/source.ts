// Reading a lab file while keeping where every key came from, so that
// every error can point at file:line:column.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { CORE_SCHEMA, load as fastLoad } from "js-yaml";
import type { Document, LineCounter, Node as YNode } from "yaml";
import { LabError, type KeyPath, type Location } from "../errors.js";

type YamlLib = typeof import("yaml");
let yamlLib: YamlLib | null = null;
/** `yaml` keeps positions and is the reference parser, but is ~10× slower: loaded only when needed. */
function yaml(): YamlLib {
  return (yamlLib ??= createRequire(import.meta.url)("yaml") as YamlLib);
}

/**
 * Text on which js-yaml (core schema) and `yaml` agree: no directives, tags, complex keys,
 * aliases, merge keys or binary numbers. Anything else takes the reference parser.
 */
const NEEDS_REFERENCE = /^%|!|^\s*\? |(^|[\s,[{:-])\*\S|\b0b[01]|<</m;

/**
 * How many values a file may expand to through its aliases and merge keys. Aliases are shared,
 * not copied, when read, but everything after (validation, lowering, hashing) walks the tree
 * whole: an alias bomb is refused by the size it would have, not by how many aliases it uses (a
 * Compose file with 131 merges is ordinary). A 1,000-node lab is some 20,000 values.
 */
export const MAX_VALUES = 500_000;

/** The values a tree holds once its shared parts are counted every time they appear; stops past `limit`. */
export function expandedSize(root: unknown, limit = MAX_VALUES): number {
  const memo = new Map<object, number>();
  const size = (v: unknown): number => {
    if (!v || typeof v !== "object") return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    memo.set(v, limit + 1); // a cycle (a key merging its own ancestor) counts as too big
    let n = 1;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if ((n += size(c)) > limit) break;
    memo.set(v, n);
    return n;
  };
  return size(root);
}

/**
 * `yaml`'s own duplicate-key check compares every key with every other (quadratic: 16,000 nodes
 * took seconds); duplicates are found here in one pass instead.
 */
function withPositions(text: string): { doc: Document; lines: LineCounter } {
  const { LineCounter, parseDocument, visit, isScalar } = yaml();
  const lines = new LineCounter();
  // YAML 1.1's merge key (`<<: *defaults`), which Compose files use everywhere.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true });
  if (!doc.errors.length) {
    visit(doc, {
      Map(_, map) {
        const seen = new Set<string>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          const k = String(pair.key.value);
          if (seen.has(k)) doc.errors.push({ code: "DUPLICATE_KEY", pos: pair.key.range ?? [0, 0], message: "duplicate key" } as Document["errors"][number]);
          seen.add(k);
        }
      },
    });
  }
  return { doc, lines };
}

/** Each mapping's keys, indexed once: locating thousands of problems stays linear. */
const keyIndex = new WeakMap<object, Map<string, unknown>>();
/** Where a mapping's index keeps the mappings its merge keys bring in (no YAML key is this string). */
const MERGES = "\0<<";

export class LabSource {
  private parsed: { doc: Document; lines: LineCounter } | null = null;
  /** Where a front-end (Compose) loses meaning: said at validate and up, never fatal. */
  warnings: import("../errors.js").Problem[] = [];
  /** A front-end's one-line notes: "up" ones at every up, "verbose" ones at validate (and up --verbose). */
  notes: { text: string; when: "up" | "verbose" }[] = [];
  /** A front-end's lab keys → where they are written in its own file. */
  private translate: ((p: KeyPath) => KeyPath) | null = null;

  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly text: string | null,
    /** Which parser read the data: js-yaml on the fast path; null for a lab built in code. */
    readonly parser: "js-yaml" | "yaml" | null,
  ) {}

  static fromFile(file: string, display = file): LabSource {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new LabError([{ key: [], message: `cannot read ${display}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
    }
    return LabSource.fromText(text, display);
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
        if (data !== undefined) return new LabSource(file, data, text, "js-yaml");
      } catch {
        /* the reference parser says what is wrong, and where */
      }
    }
    const { doc, lines } = withPositions(text);
    if (doc.errors.length) {
      throw new LabError(
        doc.errors.map((err) => {
          const pos = lines.linePos(err.pos[0]);
          return {
            loc: pos ? { file, line: pos.line, column: pos.col } : { file, line: 1, column: 1 },
            key: [],
            message: err.code === "DUPLICATE_KEY" ? "duplicate key" : err.message.split("\n")[0],
            hint: err.code === "DUPLICATE_KEY" ? "each key may appear once in a mapping" : "check the YAML syntax (indentation, colons, quotes)",
          };
        }),
      );
    }
    let data: unknown;
    let bomb = false;
    try {
      data = doc.toJS({ maxAliasCount: -1 });
      bomb = expandedSize(data) > MAX_VALUES;
    } catch {
      // Nesting deeper than the stack: refused like any other bad input.
      throw new LabError([{ loc: { file, line: 1, column: 1 }, key: [], message: "the file nests too deeply to read", hint: "flatten the structure" }]);
    }
    if (bomb) throw new LabError([{ loc: { file, line: 1, column: 1 }, key: [], message: `through its aliases the file expands to more than ${MAX_VALUES.toLocaleString("en")} values`, hint: "write the repeated parts out, or nest aliases less deeply" }]);
    const src = new LabSource(file, data, text, "yaml");
    src.parsed = { doc, lines };
    return src;
  }

  private positions(): { doc: Document; lines: LineCounter } | null {
    if (this.text === null) return null;
    return (this.parsed ??= withPositions(this.text));
  }

  /** Whether this is a lab lowered from another format (a Compose file). */
  get isLowered(): boolean {
    return this.translate !== null;
  }

  /** A lab lowered from another format (Compose) written in this source's file: errors point into that file. */
  lowered(data: unknown, translate: (p: KeyPath) => KeyPath): LabSource {
    const src = new LabSource(this.file, data, this.text, this.parser);
    src.parsed = this.parsed;
    src.translate = translate;
    return src;
  }

  /** For labs built in code (tests, the benchmark): positions are unknown. */
  static fromObject(data: unknown, file = "<lab>"): LabSource {
    return new LabSource(file, data, null, null);
  }

  /** A key as the user wrote it: a front-end's own key for a lowered lab (services.web.ports[0], not nodes.web.publish[0]). */
  keyOf(path: KeyPath): KeyPath {
    return this.translate ? this.translate(path) : path;
  }

  /** A problem at `key`, located in the file and named in the file's own keys. */
  problem(key: KeyPath, message: string, hint?: string): import("../errors.js").Problem {
    return { loc: this.locate(key), key: this.keyOf(key), message, hint };
  }

  /** Where a key is written: the key itself for mapping entries, else the item. Falls back to the nearest ancestor. */
  locate(path: KeyPath): Location {
    if (this.translate) path = this.translate(path);
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
