// Docker Compose files as labs: the Compose Specification's networking subset lowered into the
// same raw lab a lab file is, so validation, --dry-run, up, test and down are netlab's own.
// Docker's semantics: each service a node (its namespace), each network a bridge with NAT out,
// names per network (the service, its container_name, its aliases), isolation between networks,
// `internal` networks without a way out, published ports. Images are not run: a service runs its
// `command`, else `netlab serve` on the ports it exposes or publishes. Every key netlab does not
// read is warned about by name, at its line.
import { basename, dirname, resolve } from "node:path";
import type { KeyPath, Location, Problem } from "../errors.js";
import { formatPrefix, overlaps, parsePrefix, type Prefix } from "../net/ip.js";
import { shQuote } from "../shell.js";
import { IGNORED, NETWORK_KEYS, SERVICE_KEYS, TOP_KEYS } from "./keys.js";
import { readExpose, readPorts, type PortProblem } from "./ports.js";
import { translate } from "./paths.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** A Compose file rather than a lab: it has services and none of a lab's own sections. */
export function isCompose(data: unknown): boolean {
  return isObj(data) && "services" in data && !("nodes" in data) && !("hosts" in data);
}

export interface Lowered {
  raw: Obj;
  errors: Problem[];
  warnings: Problem[];
  translate: (p: KeyPath) => KeyPath;
}

const VERSIONS = /^[23](\.\d+)?$/;
const AUTO_POOL = 18; // 172.18.0.0/16 on, as Docker numbers user-defined networks
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** What lowering needs of the file it reads (lab/source.ts's LabSource is one): its data, and where a key is written. */
export interface ComposeSource {
  readonly data: unknown;
  readonly file: string;
  locate(key: KeyPath): Location;
}

export function lowerCompose(src: ComposeSource): Lowered {
  const data = src.data as Obj;
  const errors: Problem[] = [], warnings: Problem[] = [];
  const err = (key: KeyPath, message: string, hint?: string) => errors.push({ loc: src.locate(key), key, message, hint });
  const warn = (key: KeyPath, message: string, hint?: string) => warnings.push({ loc: src.locate(key), key, message, hint });
  const raw: Obj = {};

  if (data.version !== undefined && !VERSIONS.test(String(data.version)))
    err(["version"], `Compose file version "${String(data.version)}" is not one netlab reads`, 'netlab reads the Compose Specification (version "2.x", "3.x", or none)');
  for (const k of Object.keys(data)) if (!TOP_KEYS.has(k) && !k.startsWith("x-")) warn([k], "not read by netlab", IGNORED[k] ?? "netlab reads services, networks, name and x-netlab");

  // The project name, as Compose takes it: `name:`, else the directory the file is in.
  const project = String(data.name ?? basename(dirname(resolve(src.file)))).toLowerCase().replace(/_/g, "-").replace(/^[^a-z]+/, "").slice(0, 12).replace(/-+$/, "");
  raw.name = project || "compose";
  if (!/^[a-z][a-z0-9-]*$/.test(raw.name as string)) err(data.name !== undefined ? ["name"] : [], `no lab name can be made from the project name "${String(data.name ?? "")}"`, "set name: to a short lowercase name (at most 12 characters)");
  raw.description = `Docker Compose project ${raw.name} (${basename(src.file)})`;

  const services = data.services;
  if (!isObj(services) || !Object.keys(services).length) {
    err(["services"], "the Compose file has no services", "add at least one service under services:");
    return { raw, errors, warnings, translate };
  }

  // Networks: declared ones, plus `default` when a service joins no network of its own (as Compose does).
  const rawNets = isObj(data.networks) ? data.networks : {};
  const nets: Obj = {};
  const taken: Prefix[] = [];
  const auto: string[] = [];
  for (const [name, n0] of Object.entries(rawNets)) {
    const n = (n0 ?? {}) as Obj;
    const path = ["networks", name];
    if (!isObj(n) && n0 !== null) { err(path, "a network is a mapping", "e.g. backend: { internal: true }"); continue; }
    for (const k of Object.keys(n)) if (!NETWORK_KEYS.has(k) && !k.startsWith("x-")) warn([...path, k], "not read by netlab", IGNORED[k] ?? "netlab reads driver, internal, ipam and enable_ipv6");
    if (n.external) { err([...path, "external"], `network ${name} is external: Docker made it, not this file`, "netlab makes every network of a lab: declare it here (drop external)"); continue; }
    if (n.driver !== undefined && n.driver !== "bridge") { err([...path, "driver"], `network driver "${String(n.driver)}" is not one netlab builds from a Compose file`, "use the bridge driver (the default); overlays and macvlan are lab kinds (docs/lab-format.md)"); continue; }
    const net: Obj = { nat: !n.internal, internal: !!n.internal };
    const configs = isObj(n.ipam) && Array.isArray(n.ipam.config) ? (n.ipam.config as Obj[]) : [];
    configs.forEach((c, i) => {
      const p = parsePrefix(String(c?.subnet ?? ""), false);
      const cpath = [...path, "ipam", "config", i];
      if (!p) { err([...cpath, "subnet"], `"${String(c?.subnet)}" is not a subnet`, "e.g. subnet: 172.28.0.0/16"); return; }
      const six = p.family === 6;
      if (net[six ? "subnet6" : "subnet"] !== undefined) { warn(cpath, `a second IPv${p.family} subnet: netlab uses the first`); return; }
      net[six ? "subnet6" : "subnet"] = String(c.subnet);
      if (c.gateway !== undefined) net[six ? "gateway6" : "gateway"] = String(c.gateway);
      for (const k of Object.keys(c)) if (!["subnet", "gateway"].includes(k)) warn([...cpath, k], "not read by netlab");
      taken.push(p);
    });
    if (net.subnet === undefined) auto.push(name);
    nets[name] = net;
  }

  const nodes: Obj = {};
  const hostRun: string[] = [];
  const shared = new Map<string, string>(); // service → the service whose namespace it shares
  let usesDefault = false, usesBridge = false;
  const portProblems: PortProblem[] = [];
  const serves = new Map<string, Set<string>>(); // node → `netlab serve` commands for its ports
  const runs = new Map<string, string[]>();
  const publish = new Map<string, string[]>();

  for (const [svc, s0] of Object.entries(services)) {
    const s = (s0 ?? {}) as Obj;
    const path = ["services", svc];
    if (!SERVICE_NAME.test(svc) || svc.length > 32) { err(path, `service name "${svc}" cannot name a namespace`, "use lowercase a-z, 0-9, '-' and '_' (at most 32 characters)"); continue; }
    if (svc === "host") { err(path, `a service named "host" clashes with netlab's name for the host`, "rename the service"); continue; }
    for (const k of Object.keys(s)) if (!SERVICE_KEYS.has(k) && !k.startsWith("x-")) warn([...path, k], "not read by netlab", IGNORED[k] ?? "netlab reads the networking keys of a service (networks, ports, expose, dns, extra_hosts, network_mode, command)");
    const mode = s.network_mode === undefined ? undefined : String(s.network_mode);
    const cmd = s.command === undefined ? undefined : Array.isArray(s.command) ? (s.command as unknown[]).map((x) => shQuote(String(x))).join(" ") : String(s.command);
    const ports = (Array.isArray(s.ports) ? s.ports : []).flatMap((p, i) => {
      const read = readPorts(p, [...path, "ports", i], portProblems);
      if (read.some((x) => x.samePort)) warn([...path, "ports", i], `"${String(p)}": Docker publishes it on a random host port; netlab publishes it on the same port`, "write HOST:PORT to choose");
      return read;
    });
    const exposed = (Array.isArray(s.expose) ? s.expose : []).flatMap((p, i) => readExpose(p, [...path, "expose", i], portProblems));
    const listen = [...ports.map((p) => ({ port: p.port, proto: p.proto })), ...exposed];
    const serveCmds = cmd ? [] : [...new Set(listen.map((l) => `netlab serve ${l.proto === "udp" ? "udp" : "http"} --port ${l.port}`))];

    if (mode?.startsWith("service:") || mode?.startsWith("container:")) {
      const other = mode.slice(mode.indexOf(":") + 1);
      const target: string | undefined = mode.startsWith("service:") ? other : Object.entries(services).find(([, o]) => isObj(o) && o.container_name === other)?.[0];
      if (!target || !(target in services)) { err([...path, "network_mode"], `network_mode "${mode}" names no service of this file`, `services: ${Object.keys(services).join(", ")}`); continue; }
      if (ports.length) err([...path, "ports"], `${svc} shares ${target}'s network namespace, so it cannot publish ports of its own (Docker refuses this too)`, `publish them on ${target}`);
      if (s.networks !== undefined) err([...path, "networks"], "a service that shares another's network namespace joins no networks itself", "remove networks: or network_mode:");
      shared.set(svc, target);
      runs.set(svc, [...(cmd ? [cmd] : []), ...serveCmds]);
      continue;
    }
    if (mode === "host") {
      if (ports.length) warn([...path, "ports"], "published ports are discarded in host network mode (as Docker does): the service listens on the host itself");
      hostRun.push(...(cmd ? [cmd] : []), ...[...new Set(listen.map((l) => `netlab serve ${l.proto === "udp" ? "udp" : "http"} --port ${l.port} --name ${svc}`))]);
      continue;
    }
    const node: Obj = {};
    const attach: Obj = {};
    if (mode === "none") {
      if (s.networks !== undefined) err([...path, "networks"], 'network_mode "none" joins no networks', "remove networks: or network_mode:");
    } else if (mode === "bridge") {
      usesBridge = true;
      attach.bridge = null;
    } else if (mode !== undefined) {
      err([...path, "network_mode"], `network_mode "${mode}" is not one netlab reads`, 'use none, host, bridge, "service:NAME" or "container:NAME"');
      continue;
    } else if (s.networks === undefined) {
      usesDefault = true;
      attach.default = { aliases: [] };
    } else {
      const list = Array.isArray(s.networks) ? Object.fromEntries((s.networks as unknown[]).map((n) => [String(n), null])) : isObj(s.networks) ? s.networks : null;
      if (!list) { err([...path, "networks"], "networks is a list of names or a mapping", "e.g. networks: [frontend, backend]"); continue; }
      for (const [n, a0] of Object.entries(list)) {
        const a = (a0 ?? {}) as Obj;
        const apath = [...path, "networks", n];
        if (!(n in nets)) { err(apath, `no network named "${n}"`, Object.keys(nets).length ? `networks: ${Object.keys(nets).join(", ")}` : "declare it under the top-level networks:"); continue; }
        for (const k of Object.keys(a)) if (!["aliases", "ipv4_address", "ipv6_address", "mac_address"].includes(k)) warn([...apath, k], "not read by netlab");
        attach[n] = {
          ...(a.ipv4_address !== undefined ? { ip: String(a.ipv4_address) } : {}),
          ...(a.ipv6_address !== undefined ? { ip6: String(a.ipv6_address) } : {}),
          ...(a.mac_address !== undefined ? { mac: String(a.mac_address) } : {}),
          aliases: Array.isArray(a.aliases) ? a.aliases.map(String) : [],
        };
      }
    }
    // Docker's DNS answers for the container name too.
    if (s.container_name !== undefined) for (const a of Object.values(attach)) if (a) (a as Obj).aliases = [...((a as Obj).aliases as string[]), String(s.container_name)];
    for (const a of Object.values(attach)) if (a && !((a as Obj).aliases as string[]).length) delete (a as Obj).aliases;
    node.networks = attach;
    const dns = s.dns === undefined ? undefined : ([] as unknown[]).concat(s.dns).map(String);
    const search = s.dns_search === undefined ? undefined : ([] as unknown[]).concat(s.dns_search).map(String);
    if (dns || search) node.dns = { ...(dns ? { nameservers: dns } : {}), ...(search ? { search } : {}) };
    if (s.extra_hosts !== undefined) {
      const eh = Array.isArray(s.extra_hosts) ? Object.fromEntries((s.extra_hosts as unknown[]).map((e) => { const t = String(e); const k = t.search(/[:=]/); return [t.slice(0, k), t.slice(k + 1)]; })) : isObj(s.extra_hosts) ? s.extra_hosts : {};
      node.hosts = Object.fromEntries(Object.entries(eh).map(([h, a]) => [h, String(a).replace(/^\[(.*)\]$/, "$1")]));
    }
    if (isObj(s.sysctls)) node.sysctls = s.sysctls;
    if (isObj(s.labels)) node.labels = Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, String(v)]));
    publish.set(svc, ports.map((p) => p.spec));
    runs.set(svc, cmd ? [cmd] : []);
    serves.set(svc, new Set(serveCmds));
    nodes[svc] = node;
  }
  for (const p of portProblems) err(p.path, p.message, p.hint);

  // Services that share a namespace run in their target's node (following chains, as Docker does).
  for (const [svc, target0] of shared) {
    let target = target0;
    for (let i = 0; shared.has(target) && i < 10; i++) target = shared.get(target)!;
    if (!(target in nodes)) { if (!errors.length) err(["services", svc, "network_mode"], `${svc} shares the namespace of ${target0}, which has none of its own here`, "share a service that has networks"); continue; }
    runs.get(target)!.push(...runs.get(svc)!);
  }
  for (const [svc, node] of Object.entries(nodes) as [string, Obj][]) {
    const run = [...runs.get(svc)!, ...[...serves.get(svc)!].filter((c) => !runs.get(svc)!.includes(c))];
    if (run.length) node.run = run;
    if (publish.get(svc)!.length) node.publish = publish.get(svc);
  }

  if (usesDefault && !("default" in nets)) { nets.default = { nat: true, internal: false }; auto.push("default"); }
  if (usesBridge) {
    nets.bridge = { subnet: "172.17.0.0/16", nat: true, dns: false }; // docker0: addresses only, no names
    taken.push(parsePrefix("172.17.0.0/16", true)!);
  }
  // Automatic subnets, as Docker allocates them: the next free /16 from 172.18.0.0 on.
  let next = AUTO_POOL;
  for (const name of auto) {
    let p: Prefix;
    do p = parsePrefix(`172.${next++}.0.0/16`, true)!;
    while (taken.some((t) => overlaps(t, p)) && next < 32);
    taken.push(p);
    (nets[name] as Obj).subnet = formatPrefix(p);
  }
  // A network no service joins is still made, as Compose does.
  raw.networks = nets;
  raw.nodes = nodes;
  if (hostRun.length) raw.host = { run: hostRun };
  const x = isObj(data["x-netlab"]) ? data["x-netlab"] : {};
  if (x.isolated !== undefined) raw.isolated = x.isolated;
  if (x.checks !== undefined) raw.checks = x.checks;
  else raw.checks = defaultChecks(nodes, nets);
  return { raw, errors, warnings, translate };
}

/**
 * Without x-netlab checks, what Docker promises: every service reaches the others on its
 * networks by name, and every published TCP port answers on the host.
 */
function defaultChecks(nodes: Obj, nets: Obj): Obj[] {
  const checks: Obj[] = [];
  const on = (n: string) => Object.keys(((nodes[n] as Obj).networks ?? {}) as Obj);
  const names = Object.keys(nodes);
  for (const a of names)
    for (const b of names)
      if (a !== b && on(a).some((n) => on(b).includes(n) && (nets[n] as Obj).dns !== false) && checks.length < 50)
        checks.push({ name: `${a} reaches ${b} by name`, from: a, ping: b });
  for (const a of names)
    for (const spec of ((nodes[a] as Obj).publish ?? []) as string[]) {
      const m = /^(?:([\d.]+):)?(\d+):\d+$/.exec(spec);
      if (m && (nodes[a] as Obj).run) checks.push({ name: `${a}'s published port ${spec}`, from: "host", tcp: `${m[1] ?? "127.0.0.1"}:${m[2]}` });
    }
  return checks;
}
