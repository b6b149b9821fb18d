// Lab files are read by js-yaml when it is safe and by `yaml` (the reference, with positions)
// otherwise: both must give the same data.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { shippedLabs } from "../../src/lab/find.js";
import { LabSource } from "../../src/lab/source.js";

const reference = (text: string) => parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 100 });

describe("reading lab files", () => {
  it("reads every shipped lab on the fast path, to the reference parser's data", () => {
    const files = shippedLabs();
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      const src = LabSource.fromText(text, basename(f));
      expect(src.parser, f).toBe("js-yaml");
      expect(src.data, f).toEqual(reference(text));
    }
  });

  it("reads what the two parsers disagree on as the reference does", () => {
    for (const text of ["a: 0b101\n", "%YAML 1.1\n---\na: yes\n", "a: !!str 5\n", "x: &p {a: 1}\ny: *p\n"]) {
      const src = LabSource.fromText(text);
      expect(src.parser, text).toBe("yaml");
      expect(src.data, text).toEqual(reference(text));
    }
    const agreed = "a: on\nb: 010\nc: 0o17\nd: 8080:80\n";
    expect(LabSource.fromText(agreed).data).toEqual(reference(agreed));
  });

  it("still points at the line and column of a problem found after a fast read", () => {
    const src = LabSource.fromText("name: x\nnodes:\n  a:\n    networks: [lan]\n", "lab.yaml");
    expect(src.locate(["nodes", "a", "networks", 0])).toEqual({ file: "lab.yaml", line: 4, column: 16 });
  });
});
