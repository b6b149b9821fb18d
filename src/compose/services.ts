// A Compose file's services, lowered into the lab's nodes. netlab runs no images, so a service's
// `command` (its image's arguments) is never run: a stand-in server (`netlab serve`) answers on
// each port it publishes or exposes, unless the file opts in with `x-netlab: { run: … }` on the
// service — then that runs in the service's node, in a directory of its own under the lab's state.
import type { KeyPath } from "../errors.js";
import { closest } from "../suggest.js";
import { attach, extraHosts } from "./attach.js";
import type { ComposeNetworks } from "./networks.js";
import { readExpose, readPorts, type PortProblem, type Published } from "./ports.js";
import { isObj, type Obj, type Report } from "./report.js";

/** What the default checks need to know of a service. */
export interface ServiceInfo {
  svc: string;
  node: string;
  published: Published[];
  listens: { port: number; proto: "tcp" | "udp" }[];
}

export interface LoweredServices {
  nodes: Obj;
  hostRun: string[];
  usesDefault: boolean;
  usesBridge: boolean;
  info: ServiceInfo[];
  /** Names each node's file wrote itself (aliases, container_name): for clash messages. */
  written: Map<string, Set<string>>;
  /** Services whose command (or image) is not run: with stand-in servers on their ports, or with nothing (no ports); those that run x-netlab commands. */
  notRun: string[];
  idle: string[];
  ownRuns: string[];
  /** What needs every network's subnet (extra_hosts' host-gateway): call once they are all decided. */
  afterNetworks: () => void;
}

/** A command of the file's own, in the node's own directory (made on first use, gone with the lab's state). */
export const inOwnDir = (cmd: string) => `mkdir -p "$NETLAB_STATE/work/$NETLAB_NODE" && cd "$NETLAB_STATE/work/$NETLAB_NODE" && ${cmd}`;

const serveCmd = (l: { port: number; proto: string }, name?: string) => `netlab serve ${l.proto === "udp" ? "udp" : "http"} --port ${l.port}${name ? ` --name ${name}` : ""}`;

/** `x-netlab` on a service: `run`, a command or a list of commands, instead of the stand-in servers. */
function ownRun(svc: string, s: Obj, r: Report): string[] | null {
  const x = s["x-netlab"];
  if (x === undefined) return null;
  const path = ["services", svc, "x-netlab"];
  if (!isObj(x)) { r.err(path, "x-netlab on a service is a mapping", 'e.g. x-netlab: { run: "python3 -m http.server 8000" }'); return null; }
  for (const k of Object.keys(x)) if (k !== "run") r.err([...path, k], `unknown key "${k}"`, closest(k, ["run"]) ? 'did you mean "run"?' : "x-netlab on a service takes run:");
  const run = x.run === undefined ? [] : ([] as unknown[]).concat(x.run);
  if (run.some((c) => typeof c !== "string" || !c.trim())) { r.err([...path, "run"], "run is a command or a list of commands", 'e.g. run: "python3 -m http.server 8000"'); return null; }
  return run.length ? (run as string[]) : null;
}

function toMap(v: unknown, path: KeyPath, r: Report): Obj | undefined {
  if (v === undefined) return undefined;
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x ?? "")]));
  if (Array.isArray(v)) return Object.fromEntries(v.map((e) => { const t = String(e); const k = t.indexOf("="); return k < 0 ? [t, ""] : [t.slice(0, k), t.slice(k + 1)]; }));
  r.err(path, "a list of KEY=VALUE or a mapping", "e.g. - net.ipv4.ip_forward=1");
  return undefined;
}

/** What lowering the services shares while it walks them. */
interface Walk {
  services: [string, Obj][];
  nodeOf: Map<string, string>;
  project: string;
  nets: ComposeNetworks;
  r: Report;
  disabled: Map<string, string[]>;
  out: LoweredServices;
  pending: (() => void)[];
  portProblems: PortProblem[];
  hostPorts: HostPorts;
  bare: { path: KeyPath; svc: string; host: number; port: number }[];
  /** Service → the service whose namespace it shares. */
  shared: Map<string, string>;
  runs: Map<string, string[]>;
}

export function lowerServices(services: [string, Obj][], nodeOf: Map<string, string>, project: string, nets: ComposeNetworks, r: Report, disabled: Map<string, string[]>): LoweredServices {
  const pending: (() => void)[] = [];
  const out: LoweredServices = { nodes: {}, hostRun: [], usesDefault: false, usesBridge: false, info: [], written: new Map(), notRun: [], idle: [], ownRuns: [], afterNetworks: () => pending.forEach((f) => f()) };
  const w: Walk = { services, nodeOf, project, nets, r, disabled, out, pending, portProblems: [], hostPorts: new HostPorts(services), bare: [], shared: new Map(), runs: new Map() };
  for (const [svc, s] of services) service(w, svc, s);
  for (const p of w.portProblems) r.err(p.path, p.message, p.hint);
  if (w.bare.length) {
    const moved = w.bare.filter((b) => b.host !== b.port).map((b) => `${b.svc}'s ${b.port} on ${b.host}`);
    r.warn(w.bare[0].path, `${w.bare.length === 1 ? "a published port names" : `${w.bare.length} published ports name`} no host port, where Docker picks a random one: netlab publishes ${w.bare.length === 1 ? "it" : "each"} on the same port${moved.length ? ` where it is free (${moved.join(", ")}: the port is taken)` : ""}`, "write HOST:PORT to choose");
  }
  // Services that share a namespace run in their target's node (following chains, as Docker does).
  for (const [svc, target0] of w.shared) {
    let target = target0;
    for (let i = 0; w.shared.has(target) && i < 10; i++) target = w.shared.get(target)!;
    if (!out.info.some((x) => x.svc === target)) { if (!r.errors.length) r.err(["services", svc, "network_mode"], `${svc} shares the namespace of ${target0}, which has none of its own here`, "share a service that has networks"); continue; }
    w.runs.get(target)!.push(...w.runs.get(svc)!);
  }
  for (const info of out.info) {
    const run = uniq(w.runs.get(info.svc)!);
    if (run.length) (out.nodes[info.node] as Obj).run = run;
  }
  return out;
}

/** One service: its ports and commands, then by network_mode a namespace shared, the host, or a node of its own. */
function service(w: Walk, svc: string, s: Obj): void {
  const { r, out } = w;
  const path = ["services", svc];
  r.keys("service", s, path);
  const own = ownRun(svc, s, r);
  if (own) out.ownRuns.push(svc);
  const replicas = Math.max(Number(s.scale ?? 1), Number(isObj(s.deploy) ? (s.deploy.replicas ?? 1) : 1));
  if (replicas > 1) r.warn([...path, s.scale !== undefined ? "scale" : "deploy"], `${replicas} replicas: netlab makes one node per service`);
  const mode = s.network_mode === undefined ? undefined : String(s.network_mode);
  const { ports, listens } = servicePorts(w, svc, s);
  const cmds = own ? own.map(inOwnDir) : listens.map((l) => serveCmd(l, mode === "host" ? svc : undefined));
  if (!own && ["command", "entrypoint", "image", "build"].some((k) => s[k] !== undefined)) (listens.length ? out.notRun : out.idle).push(svc);
  if (mode?.startsWith("service:") || mode?.startsWith("container:")) return sharing(w, svc, s, mode, ports.length > 0, cmds);
  if (mode === "host") {
    if (ports.length) r.warn([...path, "ports"], "published ports are discarded in host network mode (as Docker does): the service listens on the host itself");
    out.hostRun.push(...cmds);
    return;
  }
  const node = w.nodeOf.get(svc)!;
  const n: Obj = {};
  const networks = nodeNetworks(w, svc, s, mode, n);
  if (!networks) return;
  n.networks = networks;
  // Docker publishes nothing from a container whose every network is internal.
  let published = ports;
  if (ports.length && mode === undefined && Object.keys(networks).every((x) => w.nets.internal.has(x))) {
    r.warn([...path, "ports"], `${svc} is only on internal networks, where Docker publishes no ports: not published`);
    published = [];
  }
  const written = new Set<string>(s.container_name !== undefined ? [String(s.container_name)] : []);
  for (const a of Object.values(networks)) if (isObj(a) && Array.isArray(a.aliases)) for (const x of a.aliases) if (x !== svc) written.add(String(x));
  out.written.set(node, written);
  nodeKeys(svc, s, n, r);
  if (published.length) n.publish = published.map((p) => p.spec);
  w.runs.set(svc, cmds);
  out.nodes[node] = n;
  out.info.push({ svc, node, published, listens });
}

/** Its published ports (a bare one gets a host port: the same when free) and every port it listens on. */
function servicePorts(w: Walk, svc: string, s: Obj): { ports: Published[]; listens: { port: number; proto: "tcp" | "udp" }[] } {
  const path = ["services", svc];
  const ports = (Array.isArray(s.ports) ? s.ports : []).flatMap((p, i) => {
    const read = readPorts(p, [...path, "ports", i], w.portProblems).map((x) => (x.samePort ? w.hostPorts.pick(x) : (w.hostPorts.take(x), x)));
    for (const x of read.filter((y) => y.samePort)) w.bare.push({ path: [...path, "ports", i], svc, host: Number(x.spec.split(":")[0]), port: x.port });
    return read;
  });
  const exposed = (Array.isArray(s.expose) ? s.expose : []).flatMap((p, i) => readExpose(p, [...path, "expose", i], w.portProblems));
  return { ports, listens: uniq([...ports.map((p) => ({ port: p.port, proto: p.proto })), ...exposed]) };
}

/** network_mode "service:X" / "container:X": it runs in X's node, like a pod. */
function sharing(w: Walk, svc: string, s: Obj, mode: string, publishes: boolean, cmds: string[]): void {
  const { r, services } = w;
  const path = ["services", svc];
  const other = mode.slice(mode.indexOf(":") + 1);
  const target = mode.startsWith("service:") ? other : services.find(([, o]) => o.container_name === other)?.[0];
  if (!target || !services.some(([n]) => n === target)) {
    const off = target ? w.disabled.get(target) : undefined;
    r.err([...path, "network_mode"], off ? `service "${target}" is not enabled: its profiles (${off.join(", ")}) are not active` : `network_mode "${mode}" names no service of this file`, off ? `--profile ${off[0]}` : `services: ${services.map(([n]) => n).join(", ")}`);
    return;
  }
  if (publishes) r.err([...path, "ports"], `${svc} shares ${target}'s network namespace, so it cannot publish ports of its own (Docker refuses this too)`, `publish them on ${target}`);
  if (s.networks !== undefined) r.err([...path, "networks"], "a service that shares another's network namespace joins no networks itself", "remove networks: or network_mode:");
  w.shared.set(svc, target);
  w.runs.set(svc, cmds);
}

/** The node's networks by network_mode: none, bridge (docker0), or the ones it joins; null when refused. */
function nodeNetworks(w: Walk, svc: string, s: Obj, mode: string | undefined, n: Obj): Obj | null {
  const { r, out, nets } = w;
  const path = ["services", svc];
  if (mode === "none") {
    if (s.networks !== undefined) r.err([...path, "networks"], 'network_mode "none" joins no networks', "remove networks: or network_mode:");
    return {};
  }
  if (mode === "bridge") {
    out.usesBridge = true;
    return { bridge: null };
  }
  if (mode !== undefined) {
    r.err([...path, "network_mode"], `network_mode "${mode}" is not one netlab reads`, 'use none, host, bridge, "service:NAME" or "container:NAME"');
    return null;
  }
  const a = attach(svc, w.nodeOf.get(svc)!, s, w.project, nets, r);
  if (!a) return null;
  if (s.networks === undefined || a.composeNets.includes("default")) out.usesDefault = true;
  const firstNet = Object.keys(a.networks)[0];
  w.pending.push(() => { const h = extraHosts(svc, s, firstNet, nets.gateway, r); if (h) n.hosts = h; });
  return a.networks;
}

/** dns, dns_search, sysctls and labels onto the node. */
function nodeKeys(svc: string, s: Obj, n: Obj, r: Report): void {
  const path = ["services", svc];
  // An empty entry ("", as an unset variable leaves) is no server and no domain, as in Docker.
  const dns = s.dns === undefined ? [] : ([] as unknown[]).concat(s.dns).map(String).filter(Boolean);
  const search = s.dns_search === undefined ? [] : ([] as unknown[]).concat(s.dns_search).map(String).filter(Boolean);
  // Docker: with its embedded DNS (a user-defined network), `dns:` servers become that server's
  // upstreams and resolv.conf keeps 127.0.0.11; on the default bridge they are resolv.conf itself.
  const embedded = s.network_mode === undefined || !/^(bridge|host|none)$/.test(String(s.network_mode));
  if (dns.length || search.length) n.dns = { ...(dns.length ? { [embedded ? "upstreams" : "nameservers"]: dns } : {}), ...(search.length ? { search } : {}) };
  const sysctls = toMap(s.sysctls, [...path, "sysctls"], r);
  if (sysctls) n.sysctls = sysctls;
  const labels = toMap(s.labels, [...path, "labels"], r);
  if (labels) n.labels = labels;
}

function uniq<T>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => { const k = JSON.stringify(x); return !seen.has(k) && !!seen.add(k); });
}

/**
 * Host ports: those the file names are kept for their services; a bare container port ("80",
 * where Docker picks a random host port) gets the same port when it is free, else the next free
 * one from 32768, the start of Linux's ephemeral range that Docker picks from.
 */
class HostPorts {
  private readonly taken = new Set<string>();
  private next = 32768;
  constructor(services: [string, Obj][]) {
    for (const [, s] of services) if (Array.isArray(s.ports)) for (const p of s.ports) for (const x of readPorts(p, [], [])) if (!x.samePort) this.take(x);
  }
  private key = (x: Published, port: string) => `${x.proto}:${port}`;
  take(x: Published): void {
    this.taken.add(this.key(x, x.spec.replace(/\/udp$/, "").split(":").slice(-2)[0]));
  }
  pick(x: Published): Published {
    let port = x.port;
    if (this.taken.has(this.key(x, String(port)))) {
      while (this.taken.has(this.key(x, String(this.next)))) this.next++;
      port = this.next;
    }
    this.taken.add(this.key(x, String(port)));
    return { ...x, spec: `${port}:${x.port}${x.proto === "udp" ? "/udp" : ""}` };
  }
}
