// The lab format's reference (src/lab/reference/): every key of the schema documented, described
// in the editor schema from it, docs/lab-format.md's generated blocks up to date, every command
// and option of the CLI in its commands section — and the generator refusing what is untrue.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { program } from "../../src/cli/main.js";
import { commandTitle, documentedCommands } from "../../src/cli/reference.js";
import { generatedBlocks, REFERENCE_DOC } from "../../src/cli/reference-doc.js";
import { labJsonSchema } from "../../src/lab/json-schema.js";
import { hoverText, REFERENCE } from "../../src/lab/reference/index.js";
import { schemaKeys } from "../../src/lab/reference/keys.js";
import { blockOf, checkExample, errorsOf, inSection, SECTIONS } from "../../src/lab/reference/render.js";

const root = new URL("../../", import.meta.url);
/** What git holds: the build rewrites the file on disk, so comparing with that could never fail. */
const committed = (): string | null => {
  try {
    return execFileSync("git", ["show", `HEAD:${REFERENCE_DOC}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
};
const doc = committed() ?? readFileSync(new URL(REFERENCE_DOC, root), "utf8");
const keys = schemaKeys();

/** Every property of a JSON Schema, at any depth, as path → its schema. */
function properties(s: unknown, path = ""): [string, Record<string, unknown>][] {
  if (Array.isArray(s)) return s.flatMap((x) => properties(x, path));
  if (typeof s !== "object" || s === null) return [];
  return Object.entries(s as Record<string, unknown>).flatMap(([k, v]) =>
    k === "properties" && typeof v === "object" && v !== null
      ? Object.entries(v as Record<string, Record<string, unknown>>).flatMap(([p, ps]) => [[`${path}.${p}`, ps] as [string, Record<string, unknown>], ...properties(ps, `${path}.${p}`)])
      : properties(v, k === "additionalProperties" ? `${path}.*` : k === "items" ? `${path}[]` : path),
  );
}

describe("the lab format's reference", () => {
  it("walks the whole schema: top level, maps, lists, unions, shared shapes", () => {
    const paths = keys.map((k) => k.path);
    for (const p of ["name", "networks.*.subnet", "nodes.*.networks.*.ip", "nodes.*.dns.search", "links[].endpoints[].node", "route.via", "firewall.allow", "netem.rate", "checks[].via", "host.files", "underlay.mtu", "hosts.*.underlay"])
      expect(paths).toContain(p);
  });

  it("documents every key of the schema (add an entry in src/lab/reference/ for a new key)", () => {
    expect(keys.map((k) => k.path).filter((p) => !REFERENCE[p])).toEqual([]);
  });

  it("has no entry for a key the schema does not have", () => {
    const paths = new Set(keys.map((k) => k.path));
    expect(Object.keys(REFERENCE).filter((p) => !paths.has(p))).toEqual([]);
  });

  it("every key is described in the schema from its entry (schema.ts: opt/about(…, doc(...)) under its own path)", () => {
    const wrong = keys.filter((k) => REFERENCE[k.path] && k.description !== hoverText(REFERENCE[k.path])).map((k) => `${k.path}: ${k.description ?? "(no description)"}`);
    expect(wrong).toEqual([]);
  });

  it("every property of the editor schema has a description (what editors show on hover)", () => {
    const props = properties(labJsonSchema());
    expect(props.length).toBeGreaterThan(100);
    expect(props.filter(([, s]) => typeof s.description !== "string" || !s.description.trim()).map(([p]) => p)).toEqual([]);
  });

  it("every key is in a table of docs/lab-format.md", () => {
    expect(keys.filter((k) => !SECTIONS.some((s) => inSection(s, k.path))).map((k) => k.path)).toEqual([]);
  });

  it("every entry has a type, a one-line meaning and an example", () => {
    const bad = Object.entries(REFERENCE).filter(([, d]) => !d.type.trim() || !d.doc.trim() || d.doc.includes("\n") || !d.example.trim()).map(([p]) => p);
    expect(bad).toEqual([]);
  });
});

describe("docs/lab-format.md", () => {
  const blocks = generatedBlocks();
  it.each(Object.keys(blocks))("its generated block %s is what the build writes (run npm run build and commit it)", (id) => {
    if (committed() === null) console.warn(`${REFERENCE_DOC}: compared with the working copy — not a git checkout`);
    expect(blockOf(doc, id)).toBe(blocks[id]);
  });

  it("its commands section has every command, argument and option of the CLI", () => {
    const section = blockOf(doc, "commands") ?? "";
    const missing: string[] = [];
    for (const c of documentedCommands(program)) {
      const at = section.indexOf(`#### \`${commandTitle(c)}\``);
      if (at < 0) { missing.push(`netlab ${c.name()}`); continue; }
      const next = section.indexOf("#### ", at + 1);
      const own = section.slice(at, next < 0 ? undefined : next);
      for (const o of c.options) if (o.long !== "--help" && !own.includes(o.flags)) missing.push(`netlab ${c.name()} ${o.flags}`);
      for (const a of c.registeredArguments) if (!own.includes(a.name())) missing.push(`netlab ${c.name()} ${a.name()}`);
    }
    expect(documentedCommands(program).map((c) => c.name())).toEqual(expect.arrayContaining(["validate", "up", "down", "test", "status", "exec", "graph", "completion"]));
    expect(missing).toEqual([]);
  });
});

describe("the CLI's definitions", () => {
  it("can be imported without running the CLI or touching the process (the commands section is generated from them)", () => {
    const code = 'process.umask(0o077); const m = await import("./src/cli/main.ts"); process.stdout.write(`${process.umask().toString(8)} ${typeof m.program.parseAsync} ${process.exitCode ?? "-"}`);';
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out).toBe("77 function -");
  });
});

describe("the reference's generator", () => {
  const subnet = REFERENCE["networks.*.subnet"];
  it("quotes the error netlab's validation gives for a wrong value", () => {
    expect(errorsOf("networks.*.subnet", { ...subnet, bad: [["172.30.0.1/24"]] })).toEqual(["`subnet: 172.30.0.1/24` → 172.30.0.1/24 has host bits set; hint: did you mean 172.30.0.0/24?"]);
  });

  it("refuses a wrong value that netlab accepts, and an example netlab refuses", () => {
    expect(() => errorsOf("networks.*.subnet", { ...subnet, bad: [["10.7.0.0/24"]] })).toThrow(/networks\.\*\.subnet: the wrong value "10\.7\.0\.0\/24" gave no error/);
    expect(() => checkExample("networks.*.subnet", { ...subnet, example: "subnet: 10.7.0.1/24" })).toThrow(/the example "subnet: 10\.7\.0\.1\/24" is refused/);
    expect(() => checkExample("networks.*.subnet", { ...subnet, example: "gateway: 10.1.0.1" })).toThrow(/must set subnet alone/);
  });
});
