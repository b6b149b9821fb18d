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

describe("sources of several documents, and lowerings (issue 20, item 3)", () => {
  const manifests = "apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n---\n# the second\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{ port: 80 }]\n";

  it("reads every document of a file, each locating its keys in its own lines, on either parser", () => {
    for (const text of [manifests, `%YAML 1.2\n---\n${manifests}`]) {
      const docs = LabSource.documentsOfText(text, "k8s.yaml");
      expect(docs.map((d) => (d.data as { kind: string }).kind)).toEqual(["Pod", "Service"]);
      const shift = text === manifests ? 0 : 2;
      expect(docs[1].locate(["spec", "ports", 0, "port"])).toEqual({ file: "k8s.yaml", line: 12 + shift, column: 13 });
      expect(docs[0].locate(["metadata", "name"])).toEqual({ file: "k8s.yaml", line: 3 + shift, column: 13 });
    }
  });

  it("a YAML error in any document is refused where it is", () => {
    expect(() => LabSource.documentsOfText("a: 1\n---\nb: [1\n", "k.yaml")).toThrow(/k\.yaml:4/);
  });

  it("a lowered lab's key is located in the document it came from, through every lowering", () => {
    const [, svc] = LabSource.documentsOfText(manifests, "k8s.yaml");
    const lab = LabSource.fromText("name: k\nkubernetes:\n  manifests: [k8s.yaml]\n", "lab.yaml");
    // As a Kubernetes front-end would: node web-0 came from the Service's document, the rest from the lab file.
    const lowered = lab.lowered({ name: "k", nodes: { "web-0": {} } }, (p) => (p[0] === "nodes" ? { src: svc, key: ["spec", ...p.slice(2)] } : ["kubernetes"]), "Kubernetes");
    const sugared = lowered.lowered({}, (p) => (p[0] === "x" ? ["name"] : p));
    expect(sugared.frontEnd).toBe("Kubernetes");
    expect(sugared.problem(["nodes", "web-0", "ports"], "bad")).toMatchObject({ loc: { file: "k8s.yaml", line: 12, column: 3 }, key: ["spec", "ports"] });
    expect(sugared.locate(["x"])).toEqual({ file: "lab.yaml", line: 2, column: 1 });
  });
});
