// Reading a lab file while keeping where every key came from, so that
// every error can point at file:line:column.
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YNode } from "yaml";
import { LabError, type KeyPath, type Location } from "./errors.js";

export class LabSource {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly doc: Document | null,
    private readonly lines: LineCounter | null,
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

  /** YAML 1.2 is a superset of JSON, so one parser (with positions) serves both. */
  static fromText(text: string, file = "<lab>"): LabSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
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
    return new LabSource(file, doc.toJS({ maxAliasCount: 100 }), doc, lines);
  }

  /** For labs built in code (tests, the benchmark): positions are unknown. */
  static fromObject(data: unknown, file = "<lab>"): LabSource {
    return new LabSource(file, data, null, null);
  }

  /** Where a key is written: the key itself for mapping entries, else the item. Falls back to the nearest ancestor. */
  locate(path: KeyPath): Location {
    if (!this.doc || !this.lines) return { file: this.file, line: 1, column: 1 };
    for (let n = path.length; n >= 0; n--) {
      const off = this.offsetOf(path.slice(0, n));
      if (off !== null) {
        const { line, col } = this.lines.linePos(off);
        return { file: this.file, line, column: col };
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  private offsetOf(path: KeyPath): number | null {
    let node: unknown = this.doc!.contents;
    let keyOffset: number | null = null;
    if (path.length === 0) return (node as YNode | null)?.range?.[0] ?? 0;
    for (const seg of path) {
      keyOffset = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
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
