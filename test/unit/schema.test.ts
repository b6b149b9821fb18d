// The editor schema: generated from zod, committed, and in agreement with netlab itself.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { load as yamlLoad } from "js-yaml";
import { describe, expect, it } from "vitest";
import { labJsonSchemaText, SCHEMA_FILE } from "../../src/lab/json-schema.js";
import { labFromText } from "../../src/lab/load.js";

const root = new URL("../../", import.meta.url);
/** What git holds: the build rewrites the file on disk, so comparing with that could never fail. */
const committed = (): string | null => {
  try {
    return execFileSync("git", ["show", `HEAD:${SCHEMA_FILE}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
};
const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(labJsonSchemaText()));
const yamlFiles = (dir: string) => readdirSync(new URL(dir, root)).filter((f) => f.endsWith(".yaml")).map((f) => `${dir}/${f}`);
const read = (f: string) => readFileSync(new URL(f, root), "utf8");

describe("JSON Schema", () => {
  it("the committed schema is what the zod schema generates (run npm run build and commit it)", () => {
    const text = committed();
    if (text === null) {
      console.warn(`${SCHEMA_FILE}: drift NOT CHECKED — not a git checkout, and the build has just rewritten the file`);
      return;
    }
    expect(text).toBe(labJsonSchemaText());
  });

  it.each(yamlFiles("labs"))("%s starts with the schema line and is valid against the schema", (f) => {
    const text = read(f);
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../schema/netlab.schema.json");
    expect(validate(yamlLoad(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(yamlFiles("test/fixtures/bad"))("%s is rejected by the schema and by netlab", (f) => {
    const text = read(f);
    expect(validate(yamlLoad(text))).toBe(false);
    expect(() => labFromText(text, f)).toThrow();
  });
});

describe("shipped labs are named after their files (issue 18)", () => {
  it("name: equals the file's name, so status, hints, namespaces and completion use the name typed", async () => {
    const { shippedLabs } = await import("../../src/lab/find.js");
    const { loadLabFile } = await import("../../src/lab/load.js");
    const { basename } = await import("node:path");
    for (const f of shippedLabs()) expect([basename(f), loadLabFile(f).name]).toEqual([basename(f), basename(f).replace(/\.(ya?ml|json)$/, "")]);
  });
});
