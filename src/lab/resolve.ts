// Semantic checks and resolution: from a schema-valid raw lab to a Lab where every
// name, address and route is decided. All problems are collected and reported
// together, each with its location, so a user fixes a file in one pass.
import type { z } from "zod";
import { LabError, MAX_PROBLEMS, printable, type KeyPath, type Problem } from "../errors.js";
import { samePublishedPort, type Check, type Host, type Intf, type Lab, type Network, type Node, type ProbeKind } from "./model.js";
import { LabSchema, type RawCheck, type RawLab, type RawNode, type RawRoute } from "./schema.js";
import type { LabSource } from "./source.js";
import {
  contains,
  formatAddr,
  formatIfAddr,
  formatPrefix,
  hostRange,
  isNetworkOrBroadcast,
  overlaps,
  parseAddr,
  parseIfAddr,
  parsePrefix,
  prefixOf,
  type Family,
  type Prefix,
} from "../net/ip.js";
import { isolatedHostNs, kernelName, nsName, validIfName } from "../net/names.js";
import { sysctlParts } from "../net/sysctl.js";

const RESERVED = new Set(["host"]);
const BRIDGE_MAX_PORTS = 1023;
const ROUTE_TYPES = new Set(["unicast", "blackhole", "unreachable", "prohibit", "throw", "local", "broadcast", "multicast", "nat", "anycast"]);

class Problems {
  readonly list: Problem[] = [];
  /** Past MAX_PROBLEMS only counted: a generated file with 50,000 mistakes is reported in a moment. */
  more = 0;
  constructor(private readonly src: LabSource) {}
  add(key: KeyPath, message: string, hint?: string): void {
    if (this.list.length >= MAX_PROBLEMS) this.more++;
    else this.list.push({ loc: this.src.locate(key), key, message, hint });
  }
}

export function validateShape(src: LabSource): RawLab {
  const res = LabSchema.safeParse(src.data);
  if (res.success) return res.data;
  const problems: Problem[] = [];
  for (const issue of res.error.issues.slice(0, MAX_PROBLEMS)) problems.push(...describeIssue(src, issue, src.data));
  const kept = dedupe(problems);
  throw new LabError(kept.slice(0, MAX_PROBLEMS), Math.max(0, res.error.issues.length - MAX_PROBLEMS) + Math.max(0, kept.length - MAX_PROBLEMS));
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.key.join(".")}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const KNOWN_KEYS: Record<string, string[]> = {
  top: ["name", "description", "isolated", "host", "networks", "nodes", "links", "checks"],
  network: ["kind", "subnet", "subnet6", "gateway", "gateway6", "nat", "nat6", "dns", "internal", "isolate", "mtu", "in", "description"],
  node: ["description", "networks", "routes", "rules", "forward", "sysctls", "firewall", "publish", "hosts", "dns", "labels", "run", "exec"],
  link: ["endpoints", "subnet", "subnet6", "mtu", "netem"],
  check: ["name", "from", "ping", "tcp", "udp", "http", "dns", "expect", "timeout", "retries", "count", "status", "contains", "equals"],
  host: ["forward", "sysctls", "firewall", "routes", "exec"],
};

function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) { bestD = d; best = o; }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

function sectionOf(path: KeyPath): string {
  if (path.length === 0) return "top";
  if (path[0] === "networks" && path.length === 2) return "network";
  if (path[0] === "nodes" && path.length === 2) return "node";
  if (path[0] === "links" && path.length === 2) return "link";
  if (path[0] === "checks" && path.length === 2) return "check";
  if (path[0] === "host" && path.length === 1) return "host";
  return "";
}

function typeName(v: unknown): string {
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the text "${v}"`;
  return `${typeof v} ${String(v)}`;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let v: unknown = data;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

function describeIssue(src: LabSource, issue: z.core.$ZodIssue, data: unknown): Problem[] {
  const path = issue.path as KeyPath;
  const at = (key: KeyPath, message: string, hint?: string): Problem => ({ loc: src.locate(key), key, message, hint });
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
      return [at(path, `expected ${issue.expected}, got ${typeName(got)}`)];
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

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function parseDuration(v: string | number | undefined, dflt: number): number | null {
  if (v === undefined) return dflt;
  if (typeof v === "number") return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60000 : n * 1000;
}

function unsafeLine(s: string): boolean {
  return /[\n\r\0]/.test(s);
}

interface AddrSlot {
  family: Family;
  addr: bigint;
  path: KeyPath;
  who: string;
}

/** Turn a schema-valid lab into a resolved Lab, or throw LabError with every problem found. */
export function resolveLab(src: LabSource, raw: RawLab, opts: { isolated?: boolean } = {}): Lab {
  const P = new Problems(src);
  const lab = raw.name;
  const isolated = opts.isolated || (raw.isolated ?? false);
  const rawNodes = raw.nodes ?? {};
  const rawNets = raw.networks ?? {};
  const nodeNames = Object.keys(rawNodes);
  const netNames = Object.keys(rawNets);

  for (const n of nodeNames) {
    if (RESERVED.has(n)) P.add(["nodes", n], `"${n}" is reserved: it means the lab's host namespace`, "rename the node, e.g. host1");
  }

  const nodes = new Map<string, Node>();
  for (const name of nodeNames) {
    nodes.set(name, {
      name, ns: nsName(lab, name), intfs: [], routes: [], rules: [], forward: false, sysctls: {}, extraHosts: [],
      run: [], exec: [], labels: {}, bridges: [], publish: [],
    });
  }
  const host: Host = { intfs: [], routes: [], replaceRoutes: [], routePaths: [], forward: false, sysctls: {}, exec: [] };
  const seenPrefixes: { p: Prefix; path: KeyPath; what: string }[] = [];
  const addrs = new Map<string, AddrSlot>();
  const useAddr = (family: Family, addr: bigint, path: KeyPath, who: string) => {
    const k = `${family}:${addr}`;
    const prev = addrs.get(k);
    if (prev) {
      // Two gateways at one address means two overlapping subnets: that error says it better.
      if (prev.who.startsWith("the gateway") && who.startsWith("the gateway")) return false;
      P.add(path, `address ${formatAddr(family, addr)} is already used by ${prev.who}`, "give each interface its own address, or leave ip out for automatic assignment");
      return false;
    }
    addrs.set(k, { family, addr, path, who });
    return true;
  };
  const intfNames = new Map<string, Map<string, KeyPath>>(); // node|"" → iface → path
  const claimIface = (node: string | null, iface: string, path: KeyPath) => {
    const err = validIfName(iface);
    if (err) { P.add(path, err, "choose a name like eth1 or veth-red"); return; }
    if (iface === "lo") { P.add(path, `"lo" is the loopback interface`, "choose another interface name"); return; }
    const key = node ?? "";
    if (!intfNames.has(key)) intfNames.set(key, new Map());
    const m = intfNames.get(key)!;
    if (m.has(iface)) {
      P.add(path, `interface ${iface} is defined twice on ${node ?? "host"}`, "give each interface of a node its own name (iface:)");
      return;
    }
    m.set(iface, path);
  };

  // ---- networks
  const networks: Network[] = [];
  const netInfo = new Map<string, { net: Network; p4?: Prefix; p6?: Prefix; next4?: bigint; next6?: bigint; members: string[] }>();
  for (const name of netNames) {
    const r = rawNets[name];
    const path: KeyPath = ["networks", name];
    let holder: string | null = null;
    if (r.in !== undefined) {
      if (r.in === "host") holder = null;
      else if (!nodes.has(r.in)) P.add([...path, "in"], `no node named "${r.in}"`, nodeNames.length ? `nodes: ${nodeNames.join(", ")}` : "define the node under nodes:");
      else holder = r.in;
    }
    const kn = holder ? { name: name } : kernelName(lab, name);
    if (holder) {
      const e = validIfName(name);
      if (e) P.add(path, `a bridge held in node ${holder} is named after its network: ${e}`, "use a shorter network name");
      else claimIface(holder, name, path);
    }
    const net: Network = {
      name, bridge: kn.name, altname: kn.altname, holder,
      nat: r.nat ?? false, nat6: r.nat6 ?? false, dns: r.dns ?? true, internal: r.internal ?? false, isolate: r.isolate ?? true,
      mtu: r.mtu, path,
    };
    const info: { net: Network; p4?: Prefix; p6?: Prefix; next4?: bigint; next6?: bigint; members: string[] } = { net, members: [] };
    for (const fam of [4, 6] as const) {
      const key = fam === 4 ? "subnet" : "subnet6";
      const gkey = fam === 4 ? "gateway" : "gateway6";
      const text = r[key];
      if (text === undefined) {
        if (r[gkey] !== undefined && r[gkey] !== "none") P.add([...path, gkey], `a gateway needs a ${key}`, `add ${key}: or remove ${gkey}:`);
        continue;
      }
      const p = parsePrefix(text, true);
      if (!p) {
        const loose = parsePrefix(text, false);
        P.add([...path, key], loose ? `${text} has host bits set` : `"${text}" is not an IPv${fam} prefix`,
          loose ? `did you mean ${formatPrefix(loose)}?` : fam === 4 ? "write it like 172.20.0.0/24" : "write it like fd00:20::/64");
        continue;
      }
      if (p.family !== fam) { P.add([...path, key], `${text} is IPv${p.family}; ${key} takes IPv${fam}`, fam === 4 ? "use subnet6: for IPv6" : "use subnet: for IPv4"); continue; }
      if ((fam === 4 && p.len > 30) || (fam === 6 && p.len > 126)) { P.add([...path, key], `${text} is too small for a network`, "use /30 or larger for IPv4, /126 or larger for IPv6 (a link can be /31)"); continue; }
      seenPrefixes.push({ p, path: [...path, key], what: `network ${name}` });
      const range = hostRange(p);
      let gw: bigint | undefined = range.first;
      const g = r[gkey];
      if (g === "none") gw = undefined;
      else if (g !== undefined) {
        const a = parseAddr(g);
        if (!a || a.family !== fam) { P.add([...path, gkey], `"${g}" is not an IPv${fam} address`, `write it like ${fam === 4 ? formatAddr(4, range.first) : formatAddr(6, range.first)}, or none`); gw = undefined; }
        else if (!contains(p, fam, a.addr)) { P.add([...path, gkey], `gateway ${g} is outside subnet ${text}`, `use an address in ${text}`); gw = undefined; }
        else if (isNetworkOrBroadcast(p, a.addr)) { P.add([...path, gkey], `${g} is the network or broadcast address of ${text}`, `use a host address such as ${formatAddr(fam, range.first)}`); gw = undefined; }
        else gw = a.addr;
      }
      if (gw !== undefined) {
        const addr = formatIfAddr({ family: fam, addr: gw, len: p.len });
        if (fam === 4) net.gateway = addr; else net.gateway6 = addr;
        useAddr(fam, gw, [...path, g === undefined ? key : gkey], `the gateway of network ${name}`);
      }
      if (fam === 4) { net.subnet = text; info.p4 = p; info.next4 = range.first; }
      else { net.subnet6 = text; info.p6 = p; info.next6 = range.first; }
    }
    if (net.nat && !net.subnet) P.add([...path, "nat"], "nat needs a subnet to masquerade", "add subnet: or remove nat:");
    if (net.nat6 && !net.subnet6) P.add([...path, "nat6"], "nat6 needs a subnet6 to masquerade", "add subnet6: or remove nat6:");
    if (net.nat6 && net.internal) P.add([...path, "nat6"], "a network cannot be both internal and nat6", "drop one of them");
    if (net.nat && net.internal) P.add([...path, "nat"], "a network cannot be both internal and nat", "internal: true forbids traffic leaving the network; drop one of them");
    if (net.nat && !net.gateway && net.subnet) P.add([...path, "nat"], "nat needs a gateway: members reach the outside through it", "remove gateway: none");
    networks.push(net);
    netInfo.set(name, info);
  }

  // ---- node attachments to networks
  const ifaceCounter = new Map<string, number>();
  const nextIface = (node: string) => {
    const used = intfNames.get(node) ?? new Map();
    let i = ifaceCounter.get(node) ?? 0;
    while (used.has(`eth${i}`)) i++;
    ifaceCounter.set(node, i + 1);
    return `eth${i}`;
  };
  // Static addresses are claimed first so that automatic ones skip them.
  type Att = { node: string; net: string; path: KeyPath; ip?: string; ip6?: string; iface?: string; mac?: string };
  const atts: Att[] = [];
  for (const name of nodeNames) {
    const r = rawNodes[name] ?? {};
    const list = r.networks;
    if (!list) continue;
    if (Array.isArray(list)) {
      const seen = new Set<string>();
      list.forEach((net, i) => {
        if (seen.has(net)) P.add(["nodes", name, "networks", i], `network ${net} is listed twice`, "a node joins a network once");
        seen.add(net);
        atts.push({ node: name, net, path: ["nodes", name, "networks", i] });
      });
    } else {
      for (const [net, a] of Object.entries(list)) atts.push({ node: name, net, path: ["nodes", name, "networks", net], ...(a ?? {}) });
    }
  }
  for (const a of atts) {
    if (!netInfo.has(a.net)) {
      P.add(a.path, `no network named "${a.net}"`, netNames.length ? `networks: ${netNames.join(", ")}${closest(a.net, netNames) ? ` (did you mean ${closest(a.net, netNames)}?)` : ""}` : "define it under networks:");
      continue;
    }
    if (a.iface !== undefined) claimIface(a.node, a.iface, [...a.path, "iface"]);
  }
  const staticAddr = (a: Att, fam: Family): IfAddrOrNull => {
    const info = netInfo.get(a.net)!;
    const text = fam === 4 ? a.ip : a.ip6;
    const key = fam === 4 ? "ip" : "ip6";
    const p = fam === 4 ? info.p4 : info.p6;
    if (text === undefined) return null;
    const ia = parseIfAddr(text, p?.len);
    if (!ia) {
      P.add([...a.path, key], p || text.includes("/") ? `"${text}" is not an IPv${fam} address` : `${text} needs a prefix length: network ${a.net} has no ${fam === 4 ? "subnet" : "subnet6"}`,
        p ? `write it like ${formatAddr(fam, hostRange(p).first + 9n)}` : `write it like ${fam === 4 ? "10.0.0.5/24" : "fd00::5/64"}`);
      return undefined;
    }
    if (ia.family !== fam) { P.add([...a.path, key], `${text} is IPv${ia.family}; ${key} takes IPv${fam}`, fam === 4 ? "use ip6: for IPv6" : "use ip: for IPv4"); return undefined; }
    if (p) {
      if (!contains(p, fam, ia.addr)) { P.add([...a.path, key], `${text} is outside subnet ${formatPrefix(p)} of network ${a.net}`, `use an address in ${formatPrefix(p)}, or leave ${key} out for automatic assignment`); return undefined; }
      if (ia.len !== p.len) { P.add([...a.path, key], `${text} has prefix /${ia.len} but network ${a.net} is ${formatPrefix(p)}`, `write ${formatAddr(fam, ia.addr)} without a prefix`); return undefined; }
      if (isNetworkOrBroadcast(p, ia.addr)) { P.add([...a.path, key], `${text} is the network or broadcast address of ${formatPrefix(p)}`, `use a host address of ${formatPrefix(p)}`); return undefined; }
    }
    if (!useAddr(fam, ia.addr, [...a.path, key], `node ${a.node} on network ${a.net}`)) return undefined;
    return ia;
  };
  type IfAddrOrNull = ReturnType<typeof parseIfAddr> | undefined;
  const resolvedStatic = atts.map((a) => (netInfo.has(a.net) ? { v4: staticAddr(a, 4), v6: staticAddr(a, 6) } : null));
  atts.forEach((a, i) => {
    const info = netInfo.get(a.net);
    const st = resolvedStatic[i];
    if (!info || !st) return;
    const node = nodes.get(a.node)!;
    if (info.net.holder === a.node) {
      P.add(a.path, `node ${a.node} holds the bridge of network ${a.net} (in: ${a.node}); it is on that network through the bridge itself`, `remove ${a.net} from nodes.${a.node}.networks`);
      return;
    }
    const addrsOut: string[] = [];
    for (const fam of [4, 6] as const) {
      const p = fam === 4 ? info.p4 : info.p6;
      let ia = fam === 4 ? st.v4 : st.v6;
      if (ia === undefined) continue; // error already reported
      if (ia === null && p) {
        const range = hostRange(p);
        let next = fam === 4 ? info.next4! : info.next6!;
        while (next <= range.last && addrs.has(`${fam}:${next}`)) next++;
        if (next > range.last) { P.add(a.path, `network ${a.net} (${formatPrefix(p)}) has no free address left for ${a.node}`, "use a larger subnet"); continue; }
        useAddr(fam, next, a.path, `node ${a.node} on network ${a.net}`);
        ia = { family: fam, addr: next, len: p.len };
        if (fam === 4) info.next4 = next + 1n; else info.next6 = next + 1n;
      }
      if (ia) addrsOut.push(formatIfAddr(ia));
    }
    if (a.mac !== undefined && !validMac(a.mac)) P.add([...a.path, "mac"], `"${a.mac}" is not a unicast MAC address`, "write it like 02:42:ac:14:00:02 (first byte even)");
    const iface = a.iface ?? nextIface(a.node);
    if (a.iface === undefined) claimIface(a.node, iface, a.path);
    const peer = info.net.holder ? { node: info.net.holder, ...kernelName(a.net, a.node) } : { node: null, ...kernelName(lab, a.node, iface) };
    if (info.net.holder) claimIface(info.net.holder, peer.name, a.path);
    node.intfs.push({ name: iface, addrs: addrsOut, mac: a.mac, mtu: info.net.mtu, network: a.net, peer: { ...peer, bridge: info.net.bridge } });
    info.members.push(a.node);
  });
  for (const net of networks) if (net.holder) nodes.get(net.holder)?.bridges.push(net.name);
  // A Linux bridge numbers its ports in 10 bits, 0 reserved: past 1,023 members the kernel says "Exchange full".
  for (const [name, info] of netInfo)
    if (info.members.length > BRIDGE_MAX_PORTS)
      P.add(["networks", name], `network ${name} has ${info.members.length} members; a Linux bridge takes at most ${BRIDGE_MAX_PORTS} ports`, "spread the nodes over several networks (joined by a router), or wire some of them with links");

  // ---- links
  const links: Lab["links"] = [];
  (raw.links ?? []).forEach((l, li) => {
    const path: KeyPath = ["links", li];
    const eps = l.endpoints.map((e, ei) => {
      const epath: KeyPath = [...path, "endpoints", ei];
      if (typeof e === "string") {
        const m = /^([^:]+):([^:]+)$/.exec(e);
        if (!m) { P.add(epath, `"${e}" is not of the form node:iface`, 'write it like "red:eth0" or "host:veth-red"'); return null; }
        return { node: m[1], iface: m[2], path: epath } as { node: string; iface: string; ip?: string; ip6?: string; mac?: string; path: KeyPath };
      }
      return { ...e, path: epath };
    });
    if (l.netem) P.add([...path, "netem"], "netem is not implemented yet", "remove netem: for now; link impairments (delay, loss, rate) come with a later netlab");
    if (!eps[0] || !eps[1]) return;
    let ok = true;
    for (const e of eps) {
      if (!e) continue;
      if (e.node !== "host" && !nodes.has(e.node)) {
        const g = closest(e.node, nodeNames);
        P.add(e.path, `no node named "${e.node}"`, g ? `did you mean ${g}?` : `nodes: ${nodeNames.join(", ") || "(none)"}; "host" means the lab's host`);
        ok = false;
        continue;
      }
      claimIface(e.node === "host" ? null : e.node, e.iface, e.path);
    }
    if (eps[0].node === eps[1].node && eps[0].node !== "host") {
      // A veth between two interfaces of one namespace is legal but almost always a typo.
      P.add(path, `both endpoints are on node ${eps[0].node}`, "a link joins two different nodes (or a node and host)");
      ok = false;
    }
    if (eps[0].node === "host" && eps[1].node === "host") { P.add(path, "both endpoints are on host", "a link joins two different nodes (or a node and host)"); ok = false; }
    const fams: Record<Family, { p?: Prefix; key: string }> = { 4: { key: "subnet" }, 6: { key: "subnet6" } };
    for (const fam of [4, 6] as const) {
      const text = fam === 4 ? l.subnet : l.subnet6;
      if (text === undefined) continue;
      const p = parsePrefix(text, true);
      if (!p || p.family !== fam) {
        const loose = parsePrefix(text, false);
        P.add([...path, fams[fam].key], loose && loose.family === fam ? `${text} has host bits set` : `"${text}" is not an IPv${fam} prefix`, loose && loose.family === fam ? `did you mean ${formatPrefix(loose)}?` : undefined);
        continue;
      }
      if ((fam === 4 && p.len > 31) || (fam === 6 && p.len > 127)) { P.add([...path, fams[fam].key], `${text} has no room for two endpoints`, "use /31 or larger (IPv4), /127 or larger (IPv6)"); continue; }
      fams[fam].p = p;
      seenPrefixes.push({ p, path: [...path, fams[fam].key], what: `link ${li + 1}` });
    }
    const epAddrs: string[][] = [[], []];
    for (const fam of [4, 6] as const) {
      const p = fams[fam].p;
      const key = fam === 4 ? "ip" : "ip6";
      let auto = p ? hostRange(p).first : 0n;
      for (let i = 0; i < 2; i++) {
        const e = eps[i]!;
        const text = fam === 4 ? e.ip : e.ip6;
        let ia: ReturnType<typeof parseIfAddr> = null;
        if (text !== undefined) {
          ia = parseIfAddr(text, p?.len);
          if (!ia || ia.family !== fam) { P.add([...e.path, key], `"${text}" is not an IPv${fam} address${p ? "" : " with a prefix length"}`, fam === 4 ? "write it like 10.0.2.1/24" : "write it like fd00:2::1/64"); continue; }
          if (p && !contains(p, fam, ia.addr)) { P.add([...e.path, key], `${text} is outside the link's subnet ${formatPrefix(p)}`, `use an address in ${formatPrefix(p)}`); continue; }
          if (p && ia.len !== p.len) { P.add([...e.path, key], `${text} has prefix /${ia.len} but the link's subnet is ${formatPrefix(p)}`, `write ${formatAddr(fam, ia.addr)} without a prefix`); continue; }
          if (!p) seenPrefixes.push({ p: prefixOf(ia), path: [...e.path, key], what: `link ${li + 1}` });
        } else if (p) {
          while (addrs.has(`${fam}:${auto}`)) auto++;
          ia = { family: fam, addr: auto, len: p.len };
          auto++;
        }
        if (ia && useAddr(fam, ia.addr, [...e.path, ...(text !== undefined ? [key] : [])], `${e.node}:${e.iface} (link ${li + 1})`)) epAddrs[i].push(formatIfAddr(ia));
      }
    }
    if (!ok) return;
    for (const e of eps) if (e!.mac !== undefined && !validMac(e!.mac)) P.add([...e!.path, "mac"], `"${e!.mac}" is not a unicast MAC address`, "write it like 02:42:ac:14:00:02");
    links.push({ index: li, endpoints: [{ node: eps[0].node, iface: eps[0].iface }, { node: eps[1].node, iface: eps[1].iface }], mtu: l.mtu });
    for (let i = 0; i < 2; i++) {
      const e = eps[i]!, o = eps[1 - i]!;
      const intf: Intf = { name: e.iface, addrs: epAddrs[i], mac: e.mac, mtu: l.mtu, link: li, peer: { node: o.node === "host" ? null : o.node, name: o.iface } };
      if (e.node === "host") host.intfs.push(intf);
      else nodes.get(e.node)!.intfs.push(intf);
    }
  });

  // ---- overlapping prefixes (sorted sweep: O(n log n) for big generated labs)
  for (const fam of [4, 6] as const) {
    const list = seenPrefixes.filter((s) => s.p.family === fam).sort((a, b) => (a.p.addr < b.p.addr ? -1 : a.p.addr > b.p.addr ? 1 : a.p.len - b.p.len));
    let widest: (typeof list)[number] | undefined;
    for (const s of list) {
      if (widest && overlaps(widest.p, s.p)) {
        if (!(widest.what === s.what && formatPrefix(widest.p) === formatPrefix(s.p)))
          P.add(s.path, `${formatPrefix(s.p)} (${s.what}) overlaps ${formatPrefix(widest.p)} (${widest.what})`, "give every network and link its own, non-overlapping subnet");
      }
      const endOf = (x: (typeof list)[number]) => x.p.addr + (1n << BigInt((fam === 4 ? 32 : 128) - x.p.len));
      if (!widest || endOf(s) > endOf(widest)) widest = s;
    }
  }

  // ---- per-node settings
  const published: Taken[] = []; // for conflicts between nodes
  for (const name of nodeNames) {
    const r = rawNodes[name] ?? {};
    const node = nodes.get(name)!;
    const path: KeyPath = ["nodes", name];
    const ifaces = new Set([...node.intfs.map((i) => i.name), ...node.bridges.map((b) => networks.find((n) => n.name === b)!.bridge)]);
    const held = networks.filter((n) => n.holder === name).flatMap((n) => [n.gateway, n.gateway6].filter((g): g is string => !!g));
    const connected = [...node.intfs.flatMap((i) => i.addrs), ...held].map((a) => prefixOf(parseIfAddr(a)!));
    node.routes = resolveRoutes(P, r.routes ?? [], [...path, "routes"], ifaces, `node ${name}`, connected);
    (r.routes ?? []).forEach((x, i) => {
      if (typeof x === "object" && x.replace !== undefined) P.add([...path, "routes", i, "replace"], "replace is for host.routes: a node's namespace has no routes but the lab's", "remove replace:");
    });
    node.rules = (r.rules ?? []).flatMap((rule, i) => {
      if (unsafeLine(rule) || rule.trim() === "") { P.add([...path, "rules", i], "a rule is one line in `ip rule` form", 'e.g. "from 192.168.1.0/24 table 100"'); return []; }
      const t = rule.trim().split(/\s+/);
      for (let k = 0; k < t.length - 1; k++)
        if ((t[k] === "from" || t[k] === "to") && t[k + 1] !== "all" && !parsePrefix(t[k + 1].includes("/") ? t[k + 1] : `${t[k + 1]}/${t[k + 1].includes(":") ? 128 : 32}`, false)) {
          P.add([...path, "rules", i], `"${t[k]} ${t[k + 1]}" needs an address or prefix`, 'e.g. "from 192.168.1.0/24 table 100", or "from all"');
          return [];
        }
      return [rule.trim()];
    });
    node.forward = r.forward ?? false;
    node.sysctls = resolveSysctls(P, r.sysctls, [...path, "sysctls"]);
    node.run = asList(r.run).filter((c, i) => checkCommand(P, c, [...path, "run", ...(Array.isArray(r.run) ? [i] : [])]));
    node.exec = asList(r.exec).filter((c, i) => checkCommand(P, c, [...path, "exec", ...(Array.isArray(r.exec) ? [i] : [])]));
    node.labels = r.labels ?? {};
    if (r.dns) {
      const ns = r.dns.nameservers ?? [];
      ns.forEach((a, i) => { if (!parseAddr(a)) P.add([...path, "dns", "nameservers", i], `"${a}" is not an IP address`, "nameservers are addresses, e.g. 10.0.0.53"); });
      (r.dns.search ?? []).forEach((d, i) => { if (!/^[A-Za-z0-9.-]+$/.test(d)) P.add([...path, "dns", "search", i], `"${d}" is not a domain name`); });
      node.resolv = { nameservers: ns, search: r.dns.search ?? [] };
    }
    if (r.firewall) node.firewall = resolveFirewall(P, r.firewall, [...path, "firewall"]);
    node.publish = resolvePublish(P, r.publish ?? [], [...path, "publish"], node, networks, published);
    // Default routes: from the first network with a gateway, per family, unless the node sets its own.
    for (const fam of [4, 6] as const) {
      const hasDefault = node.routes.some((l) => isMainDefault(l, fam));
      if (hasDefault) continue;
      const first = node.intfs.find((i) => {
        const net = i.network ? netInfo.get(i.network)?.net : undefined;
        return net && !net.internal && (fam === 4 ? net.gateway : net.gateway6);
      });
      if (first) {
        const net = netInfo.get(first.network!)!.net;
        const gw = (fam === 4 ? net.gateway! : net.gateway6!).split("/")[0];
        node.routes.push(`${fam === 4 ? "default" : "::/0"} via ${gw} dev ${first.name}`);
      }
    }
  }
  // Extra hosts entries; the network-derived ones are computed when the files are written.
  for (const name of nodeNames) {
    const node = nodes.get(name)!;
    const extra = (rawNodes[name] ?? {}).hosts;
    const entries: [string, string, KeyPath][] = Array.isArray(extra)
      ? extra.map((e, i) => { const k = e.indexOf(":"); return [e.slice(0, k), e.slice(k + 1), ["nodes", name, "hosts", i]] as [string, string, KeyPath]; })
      : Object.entries(extra ?? {}).map(([h, a]) => [h, a, ["nodes", name, "hosts", h]] as [string, string, KeyPath]);
    for (const [h, a, p] of entries) {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(h)) { P.add(p, `"${h}" is not a host name`, 'write entries as name: address, or "name:address"'); continue; }
      if (!parseAddr(a)) { P.add(p, `"${a}" is not an IP address`, 'write entries as name: address, e.g. db: 10.0.0.5'); continue; }
      node.extraHosts.push([a, h]);
    }
  }

  // ---- host section
  const rh = raw.host ?? {};
  const hostIfaces = new Set([...host.intfs.map((i) => i.name), ...networks.filter((n) => !n.holder).map((n) => n.bridge)]);
  host.routes = resolveRoutes(P, rh.routes ?? [], ["host", "routes"], hostIfaces, "host");
  (rh.routes ?? []).forEach((r, i) => {
    host.routePaths.push(["host", "routes", i]);
    if (typeof r === "object" && r.replace) host.replaceRoutes.push(host.routes[i]);
  });
  host.forward = rh.forward ?? false;
  host.sysctls = resolveSysctls(P, rh.sysctls, ["host", "sysctls"]);
  host.exec = asList(rh.exec).filter((c, i) => checkCommand(P, c, ["host", "exec", ...(Array.isArray(rh.exec) ? [i] : [])]));
  if (rh.firewall) {
    host.firewall = resolveFirewall(P, rh.firewall, ["host", "firewall"]);
    host.firewall?.rules.forEach((r, i) => {
      // In a namespace netlab does not own it only adds to its own chains, reached from these.
      if (r.table !== "filter" || !/^-A (INPUT|OUTPUT|FORWARD)\s/.test(r.rule))
        P.add(["host", "firewall", "rules", i], `host rules go into the filter table's INPUT, OUTPUT or FORWARD`, "write it like \"-A INPUT -p tcp --dport 22 -j ACCEPT\"; netlab puts it in its own chain");
    });
  }

  // ---- checks
  const checks: Check[] = [];
  (raw.checks ?? []).forEach((c, i) => {
    const ck = resolveCheck(P, c, i, (n) => n === "host" || nodes.has(n), nodeNames);
    if (ck) checks.push(ck);
  });

  if (P.list.length) throw new LabError(P.list, P.more);
  return {
    name: lab,
    description: printable(raw.description ?? ""),
    file: src.file,
    isolated,
    hostNs: isolated ? isolatedHostNs(lab) : null,
    networks,
    nodes: [...nodes.values()],
    links,
    host,
    checks,
  };
}

function resolveFirewall(P: Problems, f: NonNullable<RawNode["firewall"]>, path: KeyPath): Node["firewall"] {
  const allow: NonNullable<Node["firewall"]>["allow"] = [];
  (f.allow ?? []).forEach((spec, i) => {
    const m = /^(?:(tcp|udp)\/(\d{1,5}(?::\d{1,5})?)|(icmp))(?:\s+from\s+(\S+))?$/.exec(spec.trim());
    if (!m) {
      P.add([...path, "allow", i], `"${spec}" is not an allow entry`, 'write entries like "tcp/80", "udp/53", "icmp", "tcp/22 from 10.0.1.0/24"');
      return;
    }
    const from = m[4];
    if (from && !parsePrefix(from.includes("/") ? from : `${from}/${from.includes(":") ? 128 : 32}`, false)) {
      P.add([...path, "allow", i], `"${from}" is not an address or prefix`, "e.g. from 10.0.1.0/24");
      return;
    }
    allow.push({ proto: (m[1] ?? m[3]) as "tcp" | "udp" | "icmp", port: m[2], from, spec });
  });
  const rules: NonNullable<Node["firewall"]>["rules"] = [];
  (f.rules ?? []).forEach((rule, i) => {
    const m = /^(?:-t\s+(filter|nat|mangle|raw)\s+)?(-[AI]\s+\S+.*)$/.exec(rule.trim());
    if (!m || unsafeLine(rule)) {
      P.add([...path, "rules", i], `"${rule}" is not an iptables rule spec`, 'write it like "-A INPUT -p tcp --dport 8080 -j ACCEPT" or "-t nat -A POSTROUTING -o eth1 -j MASQUERADE"');
      return;
    }
    rules.push({ table: m[1] ?? "filter", rule: m[2] });
  });
  return { input: f.input ?? "accept", forward: f.forward ?? "accept", output: f.output ?? "accept", allow, rules };
}

/** Docker's -p forms: "8080:80", "127.0.0.1:8080:80", "5353:53/udp". */
type Taken = Pick<Node["publish"][number], "proto" | "hostPort" | "hostIp"> & { who: string };

function resolvePublish(P: Problems, raw: string[], path: KeyPath, node: Node, networks: Network[], taken: Taken[]): Node["publish"] {
  const out: Node["publish"] = [];
  raw.forEach((spec, i) => {
    const p: KeyPath = [...path, i];
    const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec.trim());
    if (!m) {
      P.add(p, `"${spec}" is not a port to publish`, 'write it like "8080:80", "127.0.0.1:8080:80" or "5353:53/udp"');
      return;
    }
    const [, ip, hp, cp, proto = "tcp"] = m;
    const hostPort = Number(hp), port = Number(cp);
    if (ip !== undefined && !parseAddr(ip)) { P.add(p, `"${ip}" is not an IPv4 address`, "bind to an address of the host, e.g. 127.0.0.1"); return; }
    for (const [what, v] of [["host port", hostPort], ["port", port]] as const)
      if (v < 1 || v > 65535) { P.add(p, `${what} ${v} is not a port (1-65535)`); return; }
    const leg = node.intfs.find((i) => {
      const net = networks.find((n) => n.name === i.network);
      return net && !net.holder && net.gateway && i.addrs.some((a) => !a.includes(":"));
    });
    if (!leg) {
      P.add(p, `${node.name} is on no network the host holds a bridge for, so the host cannot forward to it`, "put the node on a network with a subnet (and no `in:`)");
      return;
    }
    const net = networks.find((n) => n.name === leg.network)!;
    const clash = taken.find((t) => samePublishedPort(t, { proto: proto as "tcp" | "udp", hostPort, hostIp: ip }));
    if (clash) {
      P.add(p, `host port ${hostPort}/${proto} is already published by ${clash.who}`, "publish each host port once; pick another host port");
      return;
    }
    taken.push({ proto: proto as "tcp" | "udp", hostPort, hostIp: ip, who: `${node.name} ("${spec}")` });
    out.push({ hostIp: ip, hostPort, port, proto: proto as "tcp" | "udp", to: leg.addrs.find((a) => !a.includes(":"))!.split("/")[0], bridge: net.bridge, subnet: net.subnet!, spec });
  });
  return out;
}

function validMac(m: string): boolean {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(m) && (parseInt(m.slice(0, 2), 16) & 1) === 0;
}

function checkCommand(P: Problems, cmd: string, path: KeyPath): boolean {
  if (cmd.trim() === "" || cmd.includes("\0")) { P.add(path, "a command cannot be empty", 'e.g. "netlab serve http --port 80"'); return false; }
  return true;
}

function resolveSysctls(P: Problems, raw: Record<string, string | number | boolean> | undefined, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    // Checked as sysctl(8) resolves it: "net.//.kernel.hostname" is kernel/hostname, not a net.* key.
    if (!sysctlParts(k)) {
      P.add([...path, k], `${k} is not a network sysctl`, "only net.* sysctls belong to a network namespace, written like net.ipv4.ip_forward (an interface with a dot: net.ipv4.conf.eth0/100.rp_filter)");
      continue;
    }
    const val = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
    if (unsafeLine(val)) { P.add([...path, k], "a sysctl value is one line"); continue; }
    out[k] = val;
  }
  return out;
}

function isMainDefault(line: string, fam: Family): boolean {
  const t = line.split(/\s+/);
  const dst = ROUTE_TYPES.has(t[0]) ? t[1] : t[0];
  const table = t.indexOf("table");
  if (table >= 0 && !["main", "254"].includes(t[table + 1])) return false;
  if (fam === 4) return (dst === "default" && !line.includes(":")) || dst === "0.0.0.0/0";
  return dst === "::/0" || (dst === "default" && /via\s+\S*:/.test(line));
}

/**
 * `connected`: the prefixes a node reaches directly (its addresses' subnets). When given, a
 * gateway must lie in one of them (or in a `dev` route's destination, or the route says
 * `onlink`): the kernel refuses any other at `up`, where the error would come too late.
 */
function resolveRoutes(P: Problems, raw: RawRoute[], path: KeyPath, ifaces: Set<string>, who: string, connected?: Prefix[]): string[] {
  const out: string[] = [];
  const direct = connected ? [...connected] : [];
  if (connected)
    for (const r of raw) {
      const line = typeof r === "string" ? r.trim() : [r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`].filter(Boolean).join(" ");
      const t = line.split(/\s+/);
      const dst = ROUTE_TYPES.has(t[0]) ? t[1] : t[0];
      const p = dst && dst !== "default" ? parsePrefix(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`, false) : null;
      if (p && t.includes("dev") && !t.includes("via")) direct.push(p);
    }
  raw.forEach((r, i) => {
    const rp: KeyPath = [...path, i];
    let line: string;
    if (typeof r === "string") {
      if (unsafeLine(r) || !r.trim()) { P.add(rp, "a route is one line in `ip route` form", 'e.g. "10.0.2.0/24 via 10.0.1.2"'); return; }
      line = r.trim().replace(/\s+/g, " ");
    } else {
      line = [r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`, r.table !== undefined && `table ${r.table}`, r.metric !== undefined && `metric ${r.metric}`].filter(Boolean).join(" ");
    }
    const t = line.split(" ");
    let k = ROUTE_TYPES.has(t[0]) ? 1 : 0;
    const dst = t[k++];
    let fam: Family | null = null;
    if (dst === "default") fam = null;
    else {
      const p = parsePrefix(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`, false);
      if (!p) { P.add(rp, `"${dst}" is not a destination`, 'start a route with a prefix like 10.0.2.0/24, an address, or "default"'); return; }
      fam = p.family;
    }
    for (; k < t.length; k++) {
      const kw = t[k], val = t[k + 1];
      if (kw === "via") {
        const a = val ? parseAddr(val) : null;
        if (!a) { P.add(rp, `"via ${val ?? ""}" needs an IP address`, 'e.g. "via 10.0.1.2"'); return; }
        if (fam !== null && a.family !== fam) { P.add(rp, `${dst} is IPv${fam} but via ${val} is IPv${a.family}`); return; }
        if (connected && !t.includes("onlink") && !reachable(direct, a.family, a.addr)) {
          const nets = direct.filter((p) => p.family === a.family).map(formatPrefix);
          P.add(rp, `gateway ${val} is on no network ${who} is on`, nets.length ? `${who} reaches ${nets.join(", ")} directly; route via an address there (or add "onlink")` : `${who} has no IPv${a.family} address: give it one on a network or link first`);
          return;
        }
        fam = a.family; k++;
      } else if (kw === "dev") {
        if (!val || !ifaces.has(val)) { P.add(rp, `${who} has no interface "${val ?? ""}"`, ifaces.size ? `interfaces: ${[...ifaces].join(", ")}` : "declare the interface on a network or link first"); return; }
        k++;
      } else if (kw === "table" || kw === "metric" || kw === "src" || kw === "proto" || kw === "scope" || kw === "mtu" || kw === "realm" || kw === "tos") {
        if (val === undefined) { P.add(rp, `"${kw}" needs a value`); return; }
        k++;
      }
    }
    // ip -batch cannot take -6 per line; an explicit ::/0 carries the family instead.
    if (dst === "default" && fam === 6) line = line.replace(/\bdefault\b/, "::/0");
    out.push(line);
  });
  return out;
}

/** A gateway the kernel accepts without onlink: inside a directly reached prefix; IPv6 link-local once the node has IPv6. */
function reachable(direct: Prefix[], family: Family, addr: bigint): boolean {
  if (family === 6 && addr >> 118n === 0x3fan && direct.some((p) => p.family === 6)) return true;
  return direct.some((p) => contains(p, family, addr));
}

const PROBES: ProbeKind[] = ["ping", "tcp", "udp", "http", "dns"];

function resolveCheck(P: Problems, c: RawCheck, i: number, known: (n: string) => boolean, nodeNames: string[]): Check | null {
  const path: KeyPath = ["checks", i];
  const kinds = PROBES.filter((k) => c[k] !== undefined);
  if (kinds.length !== 1) {
    P.add(path, kinds.length ? `a check has exactly one probe, this one has ${kinds.join(" and ")}` : "a check needs a probe", "use one of ping:, tcp:, udp:, http:, dns:");
    return null;
  }
  if (!known(c.from)) {
    const g = closest(c.from, nodeNames);
    P.add([...path, "from"], `no node named "${c.from}"`, g ? `did you mean ${g}?` : `use a node name or host`);
    return null;
  }
  const kind = kinds[0];
  const target = c[kind]!;
  if ((kind === "tcp" || kind === "udp") && !/^(\[[^\]]+\]|[^:]+|[0-9a-fA-F:]+):\d{1,5}$/.test(target)) {
    P.add([...path, kind], `"${target}" needs a port: TARGET:PORT`, `e.g. ${kind}: "web:80"`);
    return null;
  }
  if (kind === "http" && !/^https?:\/\//.test(target)) { P.add([...path, kind], `"${target}" is not an http:// URL`, 'e.g. http: "http://web/"'); return null; }
  const timeoutMs = parseDuration(c.timeout, 2000);
  if (timeoutMs === null || timeoutMs <= 0) { P.add([...path, "timeout"], `"${c.timeout}" is not a duration`, "write it like 2s or 500ms"); return null; }
  if (timeoutMs > 600_000) { P.add([...path, "timeout"], `${c.timeout} is longer than a check may wait (10m)`, "a check's timeout is at most 10m; use retries for more"); return null; }
  if ((c.status !== undefined || c.contains !== undefined) && kind !== "http") P.add(path, "status and contains go with http checks");
  if (c.equals !== undefined && kind !== "dns") P.add([...path, "equals"], "equals goes with dns checks");
  return {
    index: i, name: c.name, from: c.from, kind, target, expect: c.expect ?? "pass", timeoutMs, retries: c.retries ?? 0,
    count: c.count ?? 1, status: c.status, contains: c.contains, equals: c.equals, path,
  };
}
