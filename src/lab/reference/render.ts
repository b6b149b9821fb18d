// docs/lab-format.md's key tables, rendered from the reference (index.ts) in the schema's order.
// Every example is validated and every wrong value is given to netlab's real validation in a
// small lab of its section, so the errors quoted are the ones `netlab validate` prints; an
// example that fails, or a wrong value that passes, stops the build with the key's name.
import { dump, load } from "js-yaml";
import { LabError, formatKey, type KeyPath } from "../../errors.js";
import { labFromObject } from "../load.js";
import { REFERENCE } from "./index.js";
import { schemaKeys } from "./keys.js";
import type { KeyDoc } from "./types.js";

type Obj = Record<string, unknown>;

/** A table of docs/lab-format.md: the keys under `prefix` (or those `match` picks). */
export interface Section {
  id: string;
  prefix?: string;
  match?: (path: string) => boolean;
}

export const SECTIONS: Section[] = [
  { id: "top", match: (p) => !/[.[]/.test(p) },
  { id: "networks", prefix: "networks.*." },
  { id: "netem", prefix: "netem." },
  { id: "nodes", prefix: "nodes.*." },
  { id: "routes", prefix: "route." },
  { id: "firewall", prefix: "firewall." },
  { id: "links", prefix: "links[]." },
  { id: "hosts", prefix: "hosts.*." },
  { id: "underlay", prefix: "underlay." },
  { id: "host", prefix: "host." },
  { id: "files", match: (p) => p.endsWith(".files") },
  { id: "records", prefix: "records[]." },
  { id: "kubernetes", prefix: "kubernetes." },
  { id: "checks", prefix: "checks[]." },
];

export const inSection = (s: Section, path: string): boolean => (s.prefix ? path.startsWith(s.prefix) : s.match!(path));

/** The small lab each part of the format is tried in, and where in it a key's holder sits. */
const NET = { networks: { net: { subnet: "10.1.0.0/24" } }, nodes: { a: { networks: ["net"] }, b: { networks: ["net"] } } };
const LINK = { nodes: { a: {}, b: {} }, links: [{ endpoints: ["a:eth0", "b:eth0"], subnet: "10.9.0.0/30" }] };
const VMS = { hosts: { vm1: {} } };
const BASES: [pattern: string, at: KeyPath, lab: Obj][] = [
  ["", [], {}],
  ["networks.*", ["networks", "net"], NET],
  ["nodes.*", ["nodes", "a"], NET],
  ["nodes.*.dns", ["nodes", "a", "dns"], NET],
  ["nodes.*.networks.*", ["nodes", "a", "networks", "net"], { ...NET, nodes: { ...NET.nodes, a: { networks: { net: {} } } } }],
  ["links[]", ["links", 0], LINK],
  ["links[].endpoints[]", ["links", 0, "endpoints", 0], { ...LINK, links: [{ endpoints: [{ node: "a", iface: "eth0" }, "b:eth0"], subnet: "10.9.0.0/30" }] }],
  ["hosts.*", ["hosts", "vm1"], VMS],
  ["underlay", ["underlay"], { ...VMS, underlay: {} }],
  ["host", ["host"], { host: {} }],
  ["checks[]", ["checks", 0], { ...NET, checks: [{ from: "a", ping: "b" }] }],
  ["checks[].matrix", ["checks", 0, "matrix"], { ...NET, checks: [{ matrix: { port: 80, pods: ["a", "b"], expect: ". .\n. ." } }] }],
  ["records[]", ["records", 0], { ...NET, records: [{ name: "db.example", type: "A", data: "10.1.0.9" }] }],
  ["kubernetes", ["kubernetes"], { kubernetes: { nodes: ["node1", "node2"] } }],
  ["route", ["nodes", "a", "routes", 0], { ...NET, nodes: { ...NET.nodes, a: { networks: ["net"], routes: [{ to: "10.2.0.0/24", via: "10.1.0.3" }] } } }],
  ["firewall", ["nodes", "a", "firewall"], { ...NET, nodes: { ...NET.nodes, a: { networks: ["net"], firewall: {} } } }],
  ["host.routes[]", ["host", "routes", 0], { host: { routes: [{ to: "10.99.0.0/24", via: "10.1.0.3" }] } }],
  ["netem", ["links", 0, "netem"], { ...LINK, links: [{ ...LINK.links[0], netem: { rate: "1mbit" } }] }],
];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

function merge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return clone(b);
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
  return out;
}

/** The object at `path` in `root`, made where missing. */
function holderAt(root: Obj, path: KeyPath): Obj {
  let o: Obj = root;
  for (const k of path) {
    const next = (o as Record<string | number, unknown>)[k];
    o = typeof next === "object" && next !== null ? (next as Obj) : ((o as Record<string | number, unknown>)[k] = {});
  }
  return o;
}

/** Sets keys on an object; a key set to undefined is taken away. */
function setKeys(o: Obj, keys: Obj): void {
  for (const [k, v] of Object.entries(keys)) {
    if (v === undefined) delete o[k];
    else o[k] = clone(v);
  }
}

/** The lab a key is tried in, and where its value goes. */
function trial(path: string, d: KeyDoc, siblings: Obj = {}, more: Obj = {}): { lab: Obj; holder: KeyPath; key: string } {
  const dot = path.lastIndexOf(".");
  const parent = d.triedAt ?? (dot < 0 ? "" : path.slice(0, dot));
  const base = BASES.find(([p]) => p === parent);
  if (!base) throw new Error(`reference: no small lab to try ${path} in (add its holder ${parent} to BASES in src/lab/reference/render.ts)`);
  const lab = merge(merge({ name: "ref", ...clone(base[2]) }, d.lab ?? {}), more) as Obj;
  setKeys(holderAt(lab, base[1]), { ...d.context, ...siblings });
  return { lab, holder: base[1], key: path.slice(dot + 1) };
}

function problemsOf(lab: Obj): { key: KeyPath; message: string; hint?: string }[] {
  try {
    labFromObject(lab, "ref.yaml");
    return [];
  } catch (e) {
    if (e instanceof LabError) return e.problems;
    throw e;
  }
}

const yamlOf = (v: unknown): string => dump(v, { flowLevel: 0, lineWidth: -1 }).trim();
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
/** Plain text in Markdown: <lab> is no HTML tag, net.* no emphasis. */
const text = (s: string): string => s.replace(/[<>*_]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "*": "\\*", _: "\\_" })[c]!);
const code = (s: string): string => (s.includes("`") ? `\`\` ${s} \`\`` : `\`${s}\``);

/** The errors a key's wrong values give, as `value` → message; throws when one is accepted. */
export function errorsOf(path: string, d: KeyDoc): string[] {
  return (d.bad ?? []).map(([value, siblings = {}, more = {}]) => {
    const t = trial(path, d, siblings, more);
    setKeys(holderAt(t.lab, t.holder), { [t.key]: value });
    // The problem at the key (or at a sibling it is wrong with), else at the object holding it.
    const at = [t.key, ...Object.keys(siblings)].map((k) => formatKey([...t.holder, k]));
    const ps = problemsOf(t.lab);
    const p = ps.find((x) => at.some((a) => formatKey(x.key).startsWith(a))) ?? ps.find((x) => formatKey(x.key) === formatKey(t.holder));
    if (!p) throw new Error(`reference: ${path}: the wrong value ${JSON.stringify(value)} gave no error at ${at[0]}${ps.length ? ` (only: ${ps.map((x) => x.message).join("; ")})` : ""}`);
    const set = Object.entries(siblings).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${yamlOf(v)}`);
    const shown = value === undefined ? `(no ${t.key})` : [...set, `${t.key}: ${yamlOf(value)}`].join(", ");
    return `${code(shown)} → ${text(p.message)}${p.hint ? `; hint: ${text(p.hint)}` : ""}`;
  });
}

/** Throws unless the key's example validates in its small lab. */
export function checkExample(path: string, d: KeyDoc): void {
  const t = trial(path, d);
  const ex = load(d.example) as Obj;
  if (!isObj(ex) || Object.keys(ex).join() !== t.key) throw new Error(`reference: ${path}: the example "${d.example}" must set ${t.key} alone`);
  setKeys(holderAt(t.lab, t.holder), ex);
  const ps = problemsOf(t.lab);
  if (ps.length) throw new Error(`reference: ${path}: the example "${d.example}" is refused: ${formatKey(ps[0].key)}: ${ps[0].message}`);
}

/** How a key is shown in its table: relative to the section, a map's entries as <name>. */
const shownKey = (s: Section, path: string) => (s.prefix ? path.slice(s.prefix.length) : path).replace(/\*/g, "<name>");

/** One section's table: key, type, default, meaning, example, errors. */
export function renderSection(s: Section): string {
  const rows = schemaKeys().filter((k) => inSection(s, k.path)).map(({ path }) => {
    const d = REFERENCE[path];
    if (!d) return `| ${code(shownKey(s, path))} | | | **not documented yet** (add it to src/lab/reference/) | | |`;
    checkExample(path, d);
    const errors = [...errorsOf(path, d), ...(d.upErrors ?? []).map((e) => `at \`up\`: ${text(e)}`)];
    return `| ${[code(shownKey(s, path)), text(d.type), text(d.default ?? ""), text(d.doc), code(d.example), errors.join("<br>")].map(cell).join(" | ")} |`;
  });
  return ["| key | type | default | meaning | example | errors it gives |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

/** `<!-- reference:ID -->` … `<!-- /reference:ID -->`: the blocks the build rewrites. */
export const begin = (id: string) => `<!-- reference:${id} -->`;
export const end = (id: string) => `<!-- /reference:${id} -->`;

/** The text of a block of a document, or null when its markers are missing. */
export function blockOf(text: string, id: string): string | null {
  const a = text.indexOf(begin(id)), b = text.indexOf(end(id));
  return a < 0 || b < a ? null : text.slice(a + begin(id).length, b).replace(/^\n|\n$/g, "");
}

/** The document with each block replaced; throws when a block's markers are missing. */
export function replaceBlocks(text: string, blocks: Record<string, string>): string {
  for (const [id, body] of Object.entries(blocks)) {
    const a = text.indexOf(begin(id)), b = text.indexOf(end(id));
    if (a < 0 || b < a) throw new Error(`docs/lab-format.md has no ${begin(id)} … ${end(id)} block: add one where the table belongs`);
    text = `${text.slice(0, a)}${begin(id)}\n${body}\n${text.slice(b)}`;
  }
  return text;
}

/** Every lab section's table, by id. */
export const labBlocks = (): Record<string, string> => Object.fromEntries(SECTIONS.map((s) => [s.id, renderSection(s)]));
