// Reading YAML (and JSON) for labs and their front-ends: fast with js-yaml, positions from `yaml`
// only when an error needs one; several documents a file; sizes bounded.
import { readFileSync } from "node:fs";
import { noteInput } from "./inputs.js";
import { createRequire } from "node:module";
import type { Document, LineCounter } from "yaml";
import { LabError } from "../errors.js";

type YamlLib = typeof import("yaml");
let yamlLib: YamlLib | null = null;
/**
 * `yaml` keeps positions and is the reference parser, but is ~10× slower: loaded only when needed
 * (scripts/bundle.mjs bundles it through this very line, as a require at first use).
 */
export function yaml(): YamlLib {
  return (yamlLib ??= createRequire(import.meta.url)("yaml") as YamlLib);
}

/**
 * Text on which js-yaml (core schema) and `yaml` agree: no directives, tags, complex keys,
 * aliases, merge keys or binary numbers. Anything else takes the reference parser.
 */
export const NEEDS_REFERENCE = /^%|!|^\s*\? |(^|[\s,[{:-])\*\S|\b0b[01]|<</m;

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

/** Every document of a text (`---` between them), positions kept; `all: false` reads one as parseDocument does. */
export function allWithPositions(text: string, all = true): { docs: Document[]; lines: LineCounter } {
  const { LineCounter, parseAllDocuments, parseDocument } = yaml();
  const lines = new LineCounter();
  // YAML 1.1's merge key (`<<: *defaults`), which Compose files use everywhere.
  const opts = { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true } as const;
  const parsed = all ? parseAllDocuments(text, opts) : [parseDocument(text, opts)];
  // parseAllDocuments gives an empty list for an empty text, and an EmptyStream-like value for errors only.
  const docs = Array.isArray(parsed) ? parsed : [parsed as unknown as Document];
  for (const doc of docs) findDuplicates(doc);
  return { docs, lines };
}

/**
 * `yaml`'s own duplicate-key check compares every key with every other (quadratic: 16,000 nodes
 * took seconds); duplicates are found here in one pass instead.
 */
function findDuplicates(doc: Document): void {
  const { visit, isScalar } = yaml();
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
}


/** The parsed documents of one text, shared by the sources of its documents and parsed once, when a position is needed. */
export class Parsed {
  private docs: { docs: Document[]; lines: LineCounter } | null = null;
  constructor(readonly text: string, readonly multi: boolean) {}
  set(docs: Document[], lines: LineCounter): void {
    this.docs = { docs, lines };
  }
  get(i: number): { doc: Document; lines: LineCounter } {
    this.docs ??= allWithPositions(this.text, this.multi);
    return { doc: this.docs.docs[i], lines: this.docs.lines };
  }
}

/** The reference parser's errors, located, as a LabError. */
export function refused(errors: Document["errors"], lines: LineCounter, file: string): LabError {
  return new LabError(
    errors.map((err) => {
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

/** A document's data as JavaScript values, refused when it nests too deeply or its aliases expand too far. */
export function valueOf(doc: Document, file: string): unknown {
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
  return data;
}

export function readText(file: string, display: string): string {
  try {
    const text = readFileSync(file, "utf8");
    noteInput(file, text);
    return text;
  } catch (e) {
    throw new LabError([{ key: [], message: `cannot read ${display}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
}

