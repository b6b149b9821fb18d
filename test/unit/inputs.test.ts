// What a load read (lab/inputs.ts), which `up` of a lab that is up compares to answer without
// loading it again (src/unchanged.ts): every file by its digest, and "opaque" wherever the
// result also depends on what a digest of files does not capture. No root needed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { digest, digests, recordInputs, sameFiles } from "../../src/lab/inputs.js";
import { loadLab } from "../../src/lab/load.js";

const dir = mkdtempSync(join(tmpdir(), "netlab-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LABS = resolve(import.meta.dirname, "../../labs");

describe("the inputs a load read", () => {
  it("a lab file is its one input, by the digest of its text; an edit of it, even a comment, is another input", () => {
    const file = join(dir, "one.yaml");
    const text = "name: one\nnodes: { a: {}, b: {} }\nlinks:\n  - { endpoints: [a:eth0, b:eth0] }\n";
    writeFileSync(file, text);
    const { value, inputs } = recordInputs(() => loadLab(file));
    expect(value.name).toBe("one");
    expect(inputs).toEqual({ texts: { [file]: text }, opaque: false });
    expect(digests(inputs)).toEqual({ [file]: digest(text) });
    expect(sameFiles(digests(inputs))).toBe(true);
    writeFileSync(file, text + "# a comment\n");
    expect(sameFiles(digests(inputs))).toBe(false);
    rmSync(file);
    expect(sameFiles(digests(inputs))).toBe(false);
  });

  it("a Compose file (its environment, its .env) and a lab naming manifest files (paths, directories) are opaque", () => {
    expect(recordInputs(() => loadLab(join(LABS, "compose.yml"))).inputs.opaque).toBe(true);
    const k8s = recordInputs(() => loadLab(join(LABS, "k8s-service.yaml"))).inputs;
    expect(k8s.opaque).toBe(true);
    expect(Object.keys(k8s.texts)).toContain(join(LABS, "k8s/web.yaml")); // read all the same
    expect(recordInputs(() => loadLab(join(LABS, "bridge-lab.yaml"))).inputs.opaque).toBe(false);
  });

  it("a load that fails records nothing beyond its own call", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "name: Bad\n");
    expect(() => recordInputs(() => loadLab(bad))).toThrow();
    const { inputs } = recordInputs(() => loadLab(join(LABS, "bridge-lab.yaml")));
    expect(Object.keys(inputs.texts)).toEqual([join(LABS, "bridge-lab.yaml")]);
  });
});
