// A NetworkPolicy manifest read as the API server validates it (networking/validation in
// kubernetes/kubernetes): label selectors' syntax and operators, policyTypes, ipBlock's except
// inside its cidr, endPort only with a numeric port at or above it. Problems at their field.
import type { KeyPath, Problem } from "../../errors.js";
import { contains, parseAddr, parsePrefix } from "../../net/ip.js";
import { isObj, problemAt, type Manifest } from "../manifests.js";
import type { KPolicy, Peer, PolicyPort, PolicyRule, Selector } from "./types.js";

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const VALUE_HINT = "letters, digits, '-', '_' and '.', at most 63, starting and ending with a letter or digit";
const OPS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** Reads `m` (kind NetworkPolicy, in namespace `ns`); problems pushed at their field. */
export function readPolicy(m: Manifest, n: { name: string; ns: string }, problems: Problem[]): KPolicy {
  const spec = isObj(m.data.spec) ? m.data.spec : {};
  const bad = (k: KeyPath, msg: string, hint?: string) => problems.push(problemAt(m, ["spec", ...k], msg, hint));
  const podSelector = selector(spec.podSelector, ["podSelector"], bad);
  // Absent or empty: the API server's default (networking/v1 SetDefaults_NetworkPolicy).
  const declared = Array.isArray(spec.policyTypes) && spec.policyTypes.length ? spec.policyTypes : null;
  declared?.forEach((t, i) => {
    if (t !== "Ingress" && t !== "Egress") bad(["policyTypes", i], `policyTypes: ${JSON.stringify(t)} is neither Ingress nor Egress`);
  });
  // Defaulted: Ingress always, Egress when the policy has egress rules (a non-empty list).
  const types = (declared ?? ["Ingress", ...(Array.isArray(spec.egress) && spec.egress.length ? ["Egress"] : [])]).filter((t): t is "Ingress" | "Egress" => t === "Ingress" || t === "Egress");
  const rules = (dir: "ingress" | "egress"): PolicyRule[] => {
    const list = Array.isArray(spec[dir]) ? spec[dir] : [];
    const peerKey = dir === "ingress" ? "from" : "to";
    return list.map((r, i) => {
      const o = isObj(r) ? r : {};
      const peers = Array.isArray(o[peerKey]) ? o[peerKey].map((p, j) => peer(p, [dir, i, peerKey, j], bad)) : null;
      const ports = Array.isArray(o.ports) ? o.ports.map((p, j) => port(p, [dir, i, "ports", j], bad)) : null;
      return { peers: peers && peers.length ? peers : null, ports: ports && ports.length ? ports : null };
    });
  };
  return { ns: n.ns, name: n.name, podSelector, types: [...new Set(types)], ingress: rules("ingress"), egress: rules("egress"), m };
}

function selector(v: unknown, at: KeyPath, bad: (k: KeyPath, m: string, h?: string) => void): Selector {
  const o = isObj(v) ? v : {};
  const matchLabels: Record<string, string> = {};
  for (const [k, x] of Object.entries(isObj(o.matchLabels) ? o.matchLabels : {})) {
    if (!KEY.test(k)) bad([...at, "matchLabels", k], `"${k}" is not a label key`, "a name of letters, digits, '-', '_' and '.', at most 63, with an optional DNS prefix and '/': app, app.kubernetes.io/name");
    if (typeof x !== "string") bad([...at, "matchLabels", k], `label value ${JSON.stringify(x)} is not a string`, `quote it: ${k}: "${String(x)}" (the API server refuses a number or a boolean)`);
    else if (!VALUE.test(x)) bad([...at, "matchLabels", k], `"${x}" is not a label value`, VALUE_HINT);
    matchLabels[k] = String(x);
  }
  const matchExpressions = (Array.isArray(o.matchExpressions) ? o.matchExpressions : []).map((e, i) => {
    const x = isObj(e) ? e : {};
    const key = String(x.key ?? "");
    const operator = String(x.operator) as Selector["matchExpressions"][number]["operator"];
    const values = Array.isArray(x.values) ? x.values.map(String) : [];
    const here = [...at, "matchExpressions", i];
    (Array.isArray(x.values) ? x.values : []).forEach((v, j) => {
      if (typeof v !== "string") bad([...here, "values", j], `label value ${JSON.stringify(v)} is not a string`, `quote it: "${String(v)}"`);
      else if (!VALUE.test(v)) bad([...here, "values", j], `"${v}" is not a label value`, VALUE_HINT);
    });
    if (!KEY.test(key)) bad([...here, "key"], `"${key}" is not a label key`);
    if (!OPS.includes(operator)) bad([...here, "operator"], `operator ${JSON.stringify(x.operator)} is not In, NotIn, Exists or DoesNotExist`);
    else if ((operator === "In" || operator === "NotIn") && !values.length) bad([...here, "values"], `operator ${operator} needs values`);
    else if ((operator === "Exists" || operator === "DoesNotExist") && values.length) bad([...here, "values"], `operator ${operator} takes no values`);
    return { key, operator, values };
  });
  return { matchLabels, matchExpressions };
}

function peer(v: unknown, at: KeyPath, bad: (k: KeyPath, m: string, h?: string) => void): Peer {
  const o = isObj(v) ? v : {};
  if (isObj(o.ipBlock)) {
    if (o.podSelector !== undefined || o.namespaceSelector !== undefined) bad(at, "ipBlock cannot be combined with podSelector or namespaceSelector in one peer");
    const cidr = String(o.ipBlock.cidr ?? "");
    const p = parsePrefix(cidr, false);
    if (!p) bad([...at, "ipBlock", "cidr"], `"${cidr}" is not a CIDR`, "e.g. 10.0.0.0/8");
    const except = (Array.isArray(o.ipBlock.except) ? o.ipBlock.except : []).map(String);
    except.forEach((e, i) => {
      const q = parsePrefix(e, false);
      if (!q) bad([...at, "ipBlock", "except", i], `"${e}" is not a CIDR`);
      else if (p && (q.family !== p.family || q.len <= p.len || !contains(p, p.family, q.addr))) bad([...at, "ipBlock", "except", i], `except ${e} is not strictly inside cidr ${cidr}`, "each except is a part of the block it takes out of, smaller than it");
    });
    return { ipBlock: { cidr, except } };
  }
  if (o.podSelector === undefined && o.namespaceSelector === undefined) bad(at, "a peer needs podSelector, namespaceSelector or ipBlock");
  return {
    ...(o.podSelector !== undefined ? { pods: selector(o.podSelector, [...at, "podSelector"], bad) } : {}),
    ...(o.namespaceSelector !== undefined ? { namespaces: selector(o.namespaceSelector, [...at, "namespaceSelector"], bad) } : {}),
  };
}

function port(v: unknown, at: KeyPath, bad: (k: KeyPath, m: string, h?: string) => void): PolicyPort {
  const o = isObj(v) ? v : {};
  const protocol = (o.protocol ?? "TCP") as PolicyPort["protocol"];
  if (!["TCP", "UDP", "SCTP"].includes(protocol)) bad([...at, "protocol"], `protocol must be TCP, UDP or SCTP, not ${JSON.stringify(o.protocol)}`);
  const p = o.port;
  // A name is an IANA service name: at most 15, a letter at least, no "--" (a number in quotes is no name).
  const isName = (x: string) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(x) && x.length <= 15 && /[a-z]/.test(x) && !x.includes("--");
  const NAMING = "a port's name is at most 15 characters: lowercase letters, digits and '-', at least one letter, not starting or ending with '-' nor holding '--' (as a container port's name: http, metrics)";
  const hint = typeof p !== "string" ? undefined : /^\d+$/.test(p) ? `a number: port: ${p}, without quotes` : NAMING;
  if (p !== undefined && !(typeof p === "string" ? isName(p) : Number.isInteger(p) && Number(p) >= 1 && Number(p) <= 65535)) bad([...at, "port"], `port ${JSON.stringify(p)} is neither a port number nor a port's name`, hint);
  const end = o.endPort;
  if (end !== undefined) {
    if (p === undefined) bad([...at, "endPort"], "endPort needs a port", "port: 32000, endPort: 32768");
    else if (typeof p === "string") bad([...at, "endPort"], "endPort goes with a numeric port, not a named one");
    else if (typeof end !== "number" || !Number.isInteger(end) || end < Number(p) || end > 65535) bad([...at, "endPort"], `endPort ${JSON.stringify(end)} must be a port number at or above port ${String(p)}`);
  }
  return { protocol, ...(p !== undefined ? { port: p as number | string } : {}), ...(typeof end === "number" ? { endPort: end } : {}) };
}

/** Whether an address (IPv4 or IPv6 text) is in an ipBlock: inside cidr, outside every except. */
export function inBlock(ip: string, b: { cidr: string; except: string[] }): boolean {
  return inCidr(ip, b.cidr) && exceptTaking(ip, b) === undefined;
}

const inCidr = (ip: string, cidr: string) => {
  const a = parseAddr(ip);
  const p = parsePrefix(cidr, false);
  return !!a && !!p && a.family === p.family && contains(p, a.family, a.addr);
};

/** The `except` entry of an ipBlock that takes `ip` out of its cidr, if one does (for explain's "why"). */
export function exceptTaking(ip: string, b: { cidr: string; except: string[] }): string | undefined {
  return inCidr(ip, b.cidr) ? b.except.find((e) => inCidr(ip, e)) : undefined;
}
