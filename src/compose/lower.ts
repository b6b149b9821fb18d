// Docker Compose files as labs: the Compose Specification's networking subset lowered into the
// same raw lab a lab file is, so validation, --dry-run, up, test and down are netlab's own.
// As Compose reads a file: variables interpolated (environment over .env), YAML merge keys applied
// (lab/source.ts), the project named, services outside the active profiles left out. Then Docker's
// semantics: each service a node (its namespace), each network a bridge with NAT out, names per
// network (the service, its container name, its aliases), isolation between networks, `internal`
// networks without a way out, published ports. Images are not run (services.ts).
import { basename } from "node:path";
import type { KeyPath, Location, Problem } from "../errors.js";
import { kernelLab } from "../net/names.js";
import { closest } from "../suggest.js";
import { dropClashingAliases, linkAliases } from "./attach.js";
import { defaultChecks } from "./checks.js";
import { composeEnv, type ComposeOptions } from "./env.js";
import { interpolateTree, type InterpolationProblem, type Lookup } from "./interpolate.js";
import { READ } from "./keys.js";
import { labSafeNames } from "./names.js";
import { lowerNetworks } from "./networks.js";
import { makeTranslate } from "./paths.js";
import { activeProfiles, enabled, projectName } from "./project.js";
import { isObj, Report, type Note, type Obj } from "./report.js";
import { lowerServices } from "./services.js";

export type { ComposeOptions } from "./env.js";
export type { Note } from "./report.js";

/** A Compose file rather than a lab: it has services and none of a lab's own sections. */
export function isCompose(data: unknown): boolean {
  return isObj(data) && "services" in data && !("nodes" in data) && !("hosts" in data);
}

export interface Lowered {
  /** The raw lab; its `name` is the project's kernel prefix (what the lab schema accepts). */
  raw: Obj;
  /** The project name, kept whole: the lab's name for the user. */
  name: string;
  errors: Problem[];
  warnings: Problem[];
  notes: Note[];
  translate: (p: KeyPath) => KeyPath;
}

const VERSIONS = /^[23](\.\d+)?$/;
const BOOLEANS = ["internal", "external", "enable_ipv6", "enable_ipv4", "attachable"];

/** What lowering needs of the file it reads (lab/source.ts's LabSource is one): its data, and where a key is written. */
export interface ComposeSource {
  readonly data: unknown;
  readonly file: string;
  locate(key: KeyPath): Location;
}

export function lowerCompose(src: ComposeSource, opts: ComposeOptions = {}): Lowered {
  const r = new Report((k) => src.locate(k));
  const env = composeEnv(src.file, opts);
  r.errors.push(...env.problems);
  // The name first (it may use variables), then COMPOSE_PROJECT_NAME for the rest, as Compose does.
  const named = interpolated({ name: (src.data as Obj).name }, env.lookup, r) as Obj;
  const project = projectName(src.file, named, env.lookup, opts.projectName);
  const lookup: Lookup = (k) => (k === "COMPOSE_PROJECT_NAME" ? project.name : env.lookup(k));
  const data = interpolated(src.data, lookup, r) as Obj;
  const raw: Obj = { name: kernelLab(project.name), description: `Docker Compose project ${project.name} (${basename(src.file)})` };
  const done = (t = makeTranslate(new Map(), new Map())) => ({ raw, name: project.name, errors: r.errors, warnings: r.warnings, notes: r.notes, translate: t });
  // A value that could not be interpolated would only be refused again, less clearly: stop here.
  if (r.errors.length) return done();
  if (project.error) r.err(project.from === "name" ? ["name"] : [], project.error.message, project.error.hint);
  if (data.version !== undefined && !VERSIONS.test(String(data.version)))
    r.err(["version"], `Compose file version "${String(data.version)}" is not one netlab reads`, 'netlab reads the Compose Specification (version "2.x", "3.x", or none)');
  r.keys("top", data, []);
  if (data.include !== undefined) r.err(["include"], "include: brings in other Compose files, and netlab reads one", "merge the included services into this file");

  const all = isObj(data.services) ? Object.entries(data.services) : [];
  if (!all.length) {
    r.err(["services"], "the Compose file has no services", "add at least one service under services:");
    return done();
  }
  const { services, disabled } = byProfile(all, activeProfiles(lookup, opts.profiles), r);
  dependsOn(services, disabled, r);

  const nets = lowerNetworks(data, project.name, r, opts.avoid ?? []);
  const nodeOf = labSafeNames(services.map(([s]) => s), ["host"]);
  const lowered = lowerServices(services, nodeOf, project.name, nets, r, disabled);
  nets.finish(lowered.usesDefault, lowered.usesBridge);
  lowered.afterNetworks();
  const svcOf = new Map([...nodeOf].map(([s, n]) => [n, s]));
  linkAliases(services, nodeOf, lowered.nodes, r);
  dropClashingAliases(lowered.nodes, lowered.written, r, (n) => ["services", svcOf.get(n) ?? n, "networks"]);
  raw.networks = nets.nets; // a network no service joins is still made, as Compose does
  raw.nodes = lowered.nodes;
  if (lowered.hostRun.length) raw.host = { run: lowered.hostRun };
  const x = isObj(data["x-netlab"]) ? data["x-netlab"] : {};
  for (const k of Object.keys(x)) if (!["checks", "isolated"].includes(k)) r.err(["x-netlab", k], `unknown key "${k}"`, closest(k, ["checks", "isolated"]) ? `did you mean "${closest(k, ["checks", "isolated"])}"?` : "x-netlab takes checks: and isolated:");
  if (x.isolated !== undefined) raw.isolated = x.isolated;
  commandNotes(lowered, project.name, r);
  raw.checks = x.checks !== undefined ? x.checks : defaultChecks(lowered.nodes, nets.nets, lowered.info, r);
  r.quietNote();
  return done(makeTranslate(svcOf, new Map([...nets.names].map(([c, l]) => [l, c]))));
}

/** Services whose profiles are all off are left out (said at up), as Compose does. */
function byProfile(all: [string, unknown][], active: string[], r: Report): { services: [string, Obj][]; disabled: Map<string, string[]> } {
  const services: [string, Obj][] = [];
  const disabled = new Map<string, string[]>();
  for (const [svc, s0] of all) {
    if (s0 !== null && !isObj(s0)) { r.err(["services", svc], "a service is a mapping", 'e.g. web: { ports: ["8080:80"] }'); continue; }
    const s = s0 ?? {};
    if (enabled(s.profiles, active)) services.push([svc, s]);
    else disabled.set(svc, (s.profiles as unknown[]).map(String));
  }
  if (disabled.size) r.note(`profiles: ${[...disabled].map(([s, p]) => `${s} (${p.join(", ")})`).join(", ")} not started: no profile of theirs is active${active.length ? ` (active: ${active.join(", ")})` : ""}; --profile NAME or COMPOSE_PROFILES starts them`, "up");
  return { services, disabled };
}

/** One line at up: what runs instead of the images' commands. */
function commandNotes({ notRun, idle, ownRuns }: { notRun: string[]; idle: string[]; ownRuns: string[] }, project: string, r: Report): void {
  const one = (xs: string[], a: string, b: string) => (xs.length === 1 ? a : b);
  if (notRun.length || idle.length) {
    const what = [notRun.length ? `stand-in servers answer on the ports of ${list(notRun)}` : "", idle.length ? `${list(idle)} ${one(idle, "publishes and exposes no port, so it runs", "publish and expose no port, so they run")} nothing` : ""];
    r.note(`images and commands are not run (netlab runs no images): ${what.filter(Boolean).join("; ")}; x-netlab: { run: "…" } on a service runs a command of yours instead`, "up");
  }
  if (ownRuns.length) r.note(`x-netlab run: ${list(ownRuns)} ${one(ownRuns, "runs", "run")} the file's commands as root in ${one(ownRuns, "its", "their")} node, in a directory of ${one(ownRuns, "its", "their")} own under /run/netlab/${project}/work/`, "up");
}

const list = (xs: string[]) => (xs.length > 6 ? `${xs.slice(0, 6).join(", ")} and ${xs.length - 6} more` : xs.join(", "));

/** The file's data, every string value interpolated; problems located at their key; unset variables said once. */
function interpolated(data: unknown, lookup: Lookup, r: Report): unknown {
  const problems: InterpolationProblem[] = [];
  const missing = new Map<string, KeyPath>();
  const out = interpolateTree(data, lookup, problems, missing);
  for (const p of problems) r.err(p.path, p.message, "set it in the environment, or in the .env file beside the Compose file");
  // Unset variables matter where netlab reads them (a port, a network); elsewhere they are Docker's business.
  const shaping = [...missing].filter(([, p]) => (p[0] === "services" && READ.service.has(String(p[2]))) || p[0] === "networks" || p[0] === "name");
  if (shaping.length) r.warn(shaping[0][1], `variable${shaping.length > 1 ? "s" : ""} not set, read as empty: ${shaping.map(([v]) => v).join(", ")}`, "set them in the environment, or in the .env file beside the Compose file");
  if (isObj(out) && isObj(out.networks))
    for (const n of Object.values(out.networks)) if (isObj(n)) for (const k of BOOLEANS) if (typeof n[k] === "string") n[k] = /^(true|yes|on|y)$/i.test(n[k] as string);
  return out;
}

/** depends_on names services of this file that are enabled, as Compose requires. */
function dependsOn(services: [string, Obj][], disabled: Map<string, string[]>, r: Report): void {
  const names = new Set(services.map(([s]) => s));
  for (const [svc, s] of services) {
    const deps = Array.isArray(s.depends_on) ? s.depends_on.map(String) : isObj(s.depends_on) ? Object.keys(s.depends_on) : [];
    const path = ["services", svc, "depends_on"];
    deps.forEach((d, i) => {
      if (names.has(d)) return;
      const off = disabled.get(d);
      const at = Array.isArray(s.depends_on) ? [...path, i] : [...path, d];
      const optional = isObj(s.depends_on) && isObj(s.depends_on[d]) && s.depends_on[d].required === false;
      if (off && !optional) r.err(at, `${svc} depends on ${d}, which is not enabled: its profiles (${off.join(", ")}) are not active`, `--profile ${off[0]}`);
      else if (!off) r.err(at, `${svc} depends on "${d}", which is no service of this file`, `services: ${[...names].join(", ")}`);
    });
  }
}
