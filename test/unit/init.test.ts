// `netlab init`: the files it writes validate, carry a schema line that resolves, and are never written over by accident.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initLab, labNameFor } from "../../src/init/init.js";
import { labFromText, loadLabFile } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";

describe("netlab init", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "netlab-init-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const schemaOf = (file: string) => resolve(dirname(file), /\$schema=(.*)/.exec(readFileSync(file, "utf8"))![1]);

  it("the commands its comments give find the file by the lab's name, from its directory (./NAME.yaml first, never ./NAME.json)", async () => {
    const { findLabFile } = await import("../../src/lab/find.js");
    const r = initLab("nuweb.yaml", { cwd: dir });
    expect(readFileSync(r.file, "utf8")).toContain("netlab up nuweb");
    expect(findLabFile("nuweb", dir)).toBe(join(dir, "nuweb.yaml"));
    expect(findLabFile("package", resolve(import.meta.dirname, "../.."))).toBeNull(); // package.json is no lab
    // `netlab init` alone: lab.yaml, named after the directory, whose name finds no file: `up` is given the file.
    const plain = initLab(undefined, { cwd: dir });
    const name = labNameFor(dir.split("/").pop()!);
    const said = readFileSync(plain.file, "utf8");
    expect(said).toContain(`sudo netlab up lab.yaml --dry-run`);
    expect(said).toContain(`sudo netlab up lab.yaml && sudo netlab test ${name} && sudo netlab down ${name}`);
    expect(findLabFile("lab.yaml", dir)).toBe(join(dir, "lab.yaml"));
    // A file name a shell would split is quoted, so the comment runs as printed.
    expect(readFileSync(initLab("two words.yaml", { cwd: dir }).file, "utf8")).toContain("sudo netlab up 'two words.yaml' --dry-run");
    // So is the hint that remakes such a lab once a namespace of it is gone.
    const { remakeHint } = await import("../../src/running.js");
    expect(remakeHint({ name: "two-words", file: "/tmp/x/two words.yaml" }, true)).toBe("sudo netlab down two-words && sudo netlab up '/tmp/x/two words.yaml'");
    expect(remakeHint({ name: "two-words", file: "/tmp/x/two words.yaml" }, false)).toBe("sudo netlab up two-words");
  });

  it("writes a starter that validates and plans, named after its file, with a schema line that resolves", () => {
    const r = initLab("labs/My_Lab.yaml", { cwd: dir });
    expect(r.name).toBe("my-lab");
    const text = readFileSync(r.file, "utf8");
    expect(text.split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=\.\.\//);
    expect(existsSync(schemaOf(r.file))).toBe(true);
    const lab = labFromText(text, r.file);
    expect(lab.nodes.map((n) => n.name)).toEqual(["web", "client"]);
    expect(compile(lab, { stateDir: "/run/netlab/my-lab" }).phases.length).toBeGreaterThan(0);
  });

  it("copies a cluster lab with its manifest files, so the copy validates where it is", () => {
    const r = initLab(undefined, { cwd: dir, from: "k8s-tutorial" });
    expect(existsSync(join(dir, "k8s/tutorial/nginx-deployment.yaml"))).toBe(true);
    expect(loadLabFile(r.file).nodes.map((n) => n.name)).toContain("nginx-deployment-2");
  });

  it("copies a shipped lab under the new file's name, or its own", () => {
    const a = initLab("copy.yaml", { cwd: dir, from: "bridge-lab" });
    expect(labFromText(readFileSync(a.file, "utf8"), a.file).name).toBe("copy");
    const b = initLab(undefined, { cwd: dir, from: "router-lab" });
    expect(b.file).toBe(join(dir, "router-lab.yaml"));
    expect(labFromText(readFileSync(b.file, "utf8"), b.file).name).toBe("router-lab");
    expect(readFileSync(b.file, "utf8").match(/yaml-language-server/g)).toHaveLength(1);
  });

  it("never overwrites without --force; an unknown lab to copy is an error", () => {
    initLab(undefined, { cwd: dir });
    expect(() => initLab(undefined, { cwd: dir })).toThrow(/lab\.yaml already exists/);
    expect(() => initLab(undefined, { cwd: dir, force: true })).not.toThrow();
    expect(() => initLab("x.yaml", { cwd: dir, from: "nope" })).toThrow(/no lab "nope" to copy/);
    expect(labNameFor("0123-A very long name.yml")).toBe("a-very-long-name");
  });
});
