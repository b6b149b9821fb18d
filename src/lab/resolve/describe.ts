// Schema problems (zod issues) as a beginner reads them: the key, what was expected, the
// likely word meant, at file:line:column.
import { LabError, MAX_PROBLEMS, type KeyPath, type Problem } from "../../errors.js";
import { CheckSchema, HostSchema, LabSchema, LinkSchema, NetworkSchema, NodeSchema, type RawLab } from "../schema.js";
import type { LabSource } from "../source.js";
import { closest } from "./util.js";
import type * as z from "zod/mini";

export function validateShape(src: LabSource): RawLab {
  const res = LabSchema.safeParse(src.data);
  if (res.success) return res.data;
  const problems: Problem[] = [];
  for (const issue of res.error.issues.slice(0, MAX_PROBLEMS)) problems.push(...describeIssue(src, issue, src.data));
  const kept = dedupe(problems);
  throw new LabError(kept.slice(0, MAX_PROBLEMS), Math.max(0, res.error.issues.length - MAX_PROBLEMS) + Math.max(0, kept.length - MAX_PROBLEMS));
}

export function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.key.join(".")}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The keys each section allows, for "did you mean" hints: read from the schema itself, never copied. */
const KNOWN_KEYS: Record<string, string[]> = {
  top: Object.keys(LabSchema.shape),
  network: Object.keys(NetworkSchema.shape),
  node: Object.keys(NodeSchema.shape),
  link: Object.keys(LinkSchema.shape),
  check: Object.keys(CheckSchema.shape),
  host: Object.keys(HostSchema.shape),
};


export function sectionOf(path: KeyPath): string {
  if (path.length === 0) return "top";
  if (path[0] === "networks" && path.length === 2) return "network";
  if (path[0] === "nodes" && path.length === 2) return "node";
  if (path[0] === "links" && path.length === 2) return "link";
  if (path[0] === "checks" && path.length === 2) return "check";
  if (path[0] === "host" && path.length === 1) return "host";
  return "";
}

export function typeName(v: unknown): string {
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the text "${v}"`;
  return `${typeof v} ${String(v)}`;
}

export function valueAt(data: unknown, path: KeyPath): unknown {
  let v: unknown = data;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

export function describeIssue(src: LabSource, issue: z.core.$ZodIssue, data: unknown): Problem[] {
  const path = issue.path as KeyPath;
  const at = (key: KeyPath, message: string, hint?: string): Problem => src.problem(key, message, hint);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = KNOWN_KEYS[sectionOf(path)] ?? [];
      return issue.keys.map((k) => {
        const guess = closest(k, known);
        return at([...path, k], `unknown key "${k}"`, guess ? `did you mean "${guess}"?` : known.length ? `allowed here: ${known.join(", ")}` : undefined);
      });
    }
    case "invalid_type": {
      const got = valueAt(data, path);
      if (got === undefined) {
        return [at(path, `is required`, `add "${String(path[path.length - 1])}:" (${issue.expected})`)];
      }
      // zod calls a map of any keys a "record": the docs say map.
      const expected = issue.expected === "record" ? "map" : issue.expected;
      const asMap = Array.isArray(got) && (expected === "map" || expected === "object")
        ? path[path.length - 1] === "sysctls" ? "a map of key: value, as net.ipv4.ip_forward: 1 (not the list sysctl -w takes)" : "a map of key: value, not a list"
        : undefined;
      return [at(path, `expected ${expected}, got ${typeName(got)}`, misindented(path, data) ?? asMap)];
    }
    case "invalid_union": {
      const got = valueAt(data, path);
      const key = String(path[path.length - 1] ?? "");
      const hints: Record<string, string> = {
        networks: 'a list of network names ([br0]) or a map (br0: { ip: 172.20.0.20 })',
        routes: 'strings like "10.0.2.0/24 via 10.0.1.2" or maps like { to: 10.0.2.0/24, via: 10.0.1.2 }',
        run: "a command string or a list of them",
        exec: "a command string or a list of them",
        hosts: 'a map name: address, or a list of "name:address"',
      };
      // Report the deepest issue of the alternative that got furthest, if it is an object-shaped mistake.
      const nested = (issue as unknown as { errors: z.core.$ZodIssue[][] }).errors ?? [];
      const objectBranch = nested.find((errs) => errs.length > 0 && errs.every((e) => e.code !== "invalid_type" || e.path.length > 0));
      if (got && typeof got === "object" && objectBranch) {
        return objectBranch.flatMap((e) => describeIssue(src, { ...e, path: [...path, ...e.path] } as z.core.$ZodIssue, data));
      }
      return [at(path, `has the wrong form: ${typeName(got)}`, hints[key] ?? (typeof path[path.length - 2] === "string" && path[path.length - 2] === "endpoints" ? 'an endpoint is "node:iface" or { node, iface, ip }' : undefined))];
    }
    case "invalid_value":
      return [at(path, `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`)];
    case "too_big":
    case "too_small":
      if (path[path.length - 1] === "endpoints" || (Array.isArray(valueAt(data, path)) && path.includes("endpoints"))) {
        return [at(path, "a link has exactly two endpoints", 'endpoints: ["red:eth0", "blue:eth0"]')];
      }
      return [at(path, issue.message)];
    case "invalid_key": {
      const inner = (issue as unknown as { issues?: { message: string }[] }).issues?.[0]?.message;
      return [at(path, inner ?? issue.message)];
    }
    default:
      return [at(path, issue.message)];
  }
}

/** Sections that map names to entries, and what an entry is called. */
const NAMED: Record<string, [string, string]> = { nodes: ["node", "node"], networks: ["network", "network"], hosts: ["host", "virtual host"] };

/**
 * An entry's key written at the level of the entries' names (`networks:` under `nodes:`, where
 * a node's name goes): the usual mis-indentation. The hint shows the shape meant, under the
 * entry just above it.
 */
export function misindented(path: KeyPath, data: unknown): string | undefined {
  const [section, key] = path;
  const named = NAMED[String(section)];
  if (path.length !== 2 || !named || !KNOWN_KEYS[named[0]]?.includes(String(key))) return undefined;
  const names = Object.keys((valueAt(data, [section]) as Record<string, unknown>) ?? {});
  const above = names[names.indexOf(String(key)) - 1];
  const owner = above ?? `my-${named[1].replace(/ /g, "-")}`;
  return `"${String(key)}" is a key of a ${named[1]}, not a ${named[1]}'s name: indent it under its ${named[1]} (${String(section)}: → ${owner}: → ${String(key)}: …)`;
}
