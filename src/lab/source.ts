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
 * aliases or binary numbers. Anything else takes the reference parser.
 */
const NEEDS_REFERENCE = /^%|!|^\s*\? |(^|[\s,[{:-])\*\S|\b0b[01]/m;

/**
 * `yaml`'s own duplicate-key check compares every key with every other (quadratic: 16,000 nodes
 * took seconds); duplicates are found here in one pass instead.
 */
function withPositions(text: string): { doc: Document; lines: LineCounter } {
  const { LineCounter, parseDocument, visit, isScalar } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
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

export class LabSource {
  private parsed: { doc: Document; lines: LineCounter } | null = null;
  /** What a front-end (Compose) read but does not use: said at validate and up, never fatal. */
  warnings: import("../errors.js").Problem[] = [];
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
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // An alias bomb, or nesting deeper than the stack: refused like any other bad input.
      const bomb = /alias/i.test((e as Error).message);
      throw new LabError([{ loc: { file, line: 1, column: 1 }, key: [], message: bomb ? "too many aliases: the file expands to far more than it says" : "the file nests too deeply to read", hint: bomb ? "write the repeated parts out, or use fewer aliases" : "flatten the structure" }]);
    }
    const src = new LabSource(file, data, text, "yaml");
    src.parsed = { doc, lines };
    return src;
  }

  private positions(): { doc: Document; lines: LineCounter } | null {
    if (this.text === null) return null;
    return (this.parsed ??= withPositions(this.text));
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
    const { isMap, isPair, isScalar, isSeq } = yaml();
    let node: unknown = doc.contents;
    let keyOffset: number | null = null;
    if (path.length === 0) return (node as YNode | null)?.range?.[0] ?? 0;
    for (const seg of path) {
      keyOffset = null;
      if (isMap(node)) {
        let index = keyIndex.get(node);
        if (!index) {
          index = new Map();
          for (const p of node.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
          keyIndex.set(node, index);
        }
        const pair = index.get(String(seg)) as { key: YNode; value: unknown } | undefined;
        if (!pair) return null;
        keyOffset = (pair.key as YNode).range?.[0] ?? null;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
        if (node === undefined) return null;
      } else {
        return null;
      }
    }
    return keyOffset ?? (node as YNode | null)?.range?.[0] ?? null;
  }
}
