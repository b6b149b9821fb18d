// Lab files are read by js-yaml when it is safe and by `yaml` (the reference, with positions)
// otherwise: both must give the same data.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { LabSource } from "../../src/lab/source.js";

const reference = (text: string) => parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 100 });
const LABS = join(import.meta.dirname, "../../labs");

describe("reading lab files", () => {
  it("gives the reference parser's data for every shipped lab", () => {
    const files = readdirSync(LABS).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(LABS, f), "utf8");
      expect(LabSource.fromText(text, f).data, f).toEqual(reference(text));
    }
  });

  it("reads what the two parsers disagree on as the reference does", () => {
    for (const text of ["a: 0b101\n", "%YAML 1.1\n---\na: yes\n", "a: !!str 5\n", "x: &p {a: 1}\ny: *p\n", "a: on\nb: 010\nc: 0o17\nd: 8080:80\n"]) {
      expect(LabSource.fromText(text).data, text).toEqual(reference(text));
    }
  });

  it("still points at the line and column of a problem found after a fast read", () => {
    const src = LabSource.fromText("name: x\nnodes:\n  a:\n    networks: [lan]\n", "lab.yaml");
    expect(src.locate(["nodes", "a", "networks", 0])).toEqual({ file: "lab.yaml", line: 4, column: 16 });
  });
});
