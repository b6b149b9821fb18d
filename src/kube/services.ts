// Services as the API server takes them (core/v1 Service): type (ClusterIP, NodePort,
// LoadBalancer, ExternalName), clusterIP (allocated from serviceCIDR unless given; None:
// headless), ports (port, targetPort number or name, protocol, nodePort allocated from
// 30000-32767 unless given), selector, sessionAffinity ClientIP and its timeout (10800 s),
// externalTrafficPolicy and internalTrafficPolicy. Endpoints are the pods the selector matches
// in the Service's namespace, at their address once the lab is resolved (withEndpoints).
import type { KeyPath, Problem } from "../errors.js";
import { contains, formatAddr, isNetworkOrBroadcast, parseAddr, parsePrefix } from "../net/ip.js";
import { isObj, problemAt, type Manifest } from "./manifests.js";
import type { KPod, KService, KServicePort } from "./types.js";

export type { KEndpoint, KService, KServicePort, ServiceModel } from "./types.js";


/** Reads a Service manifest; problems at their field. */
export function readService(m: Manifest, n: { name: string; ns: string }, problems: Problem[], warnings: Problem[] = []): KService {
  const spec = isObj(m.data.spec) ? m.data.spec : {};
  const bad = (k: KeyPath, msg: string, hint?: string) => problems.push(problemAt(m, ["spec", ...k], msg, hint));
  const type = (spec.type ?? "ClusterIP") as KService["type"];
  if (!["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].includes(type)) bad(["type"], `type must be ClusterIP, NodePort, LoadBalancer or ExternalName, not ${JSON.stringify(spec.type)}`);
  const list = Array.isArray(spec.ports) ? spec.ports : [];
  if (!list.length && type !== "ExternalName") bad(["ports"], "a Service needs spec.ports", "ports: [{ port: 80, targetPort: 80 }]");
  const seen = new Set<string>();
  const ports = list.map((p, i): KServicePort => {
    const q = isObj(p) ? p : {};
    const port = q.port;
    const protocol = q.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") bad(["ports", i, "protocol"], `protocol must be TCP, UDP or SCTP, not ${JSON.stringify(q.protocol)}`, "upper case, as Kubernetes spells it");
    if (seen.has(`${port}/${protocol}`)) bad(["ports", i, "port"], `port ${port}/${protocol} is given twice`, "each port of a Service once");
    seen.add(`${port}/${protocol}`);
    if (q.name !== undefined && (typeof q.name !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(q.name) || q.name.length > 15 || list.some((o, j) => j < i && isObj(o) && o.name === q.name)))
      bad(["ports", i, "name"], `port name ${JSON.stringify(q.name)} must be a DNS label of at most 15 characters, unique in the Service`, "e.g. name: http");
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) bad(["ports", i, "port"], `port must be a port number (1-65535), not ${JSON.stringify(port)}`);
    const target = q.targetPort ?? port;
    if (typeof target === "number" ? !Number.isInteger(target) || target < 1 || target > 65535 : typeof target !== "string") bad(["ports", i, "targetPort"], `targetPort must be a port number or a container port's name, not ${JSON.stringify(target)}`);
    const nodePort = q.nodePort;
    if (nodePort !== undefined && type !== "NodePort" && type !== "LoadBalancer") bad(["ports", i, "nodePort"], `nodePort may not be used when type is '${type}'`, "type: NodePort, or leave nodePort out");
    else if (nodePort !== undefined && (typeof nodePort !== "number" || !Number.isInteger(nodePort) || nodePort < 30000 || nodePort > 32767)) bad(["ports", i, "nodePort"], `nodePort ${JSON.stringify(nodePort)} is outside 30000-32767`, "the default node port range (--service-node-port-range), e.g. nodePort: 30080; or leave it out to have one allocated");
    if (list.length > 1 && typeof q.name !== "string") bad(["ports", i, "name"], "a Service with several ports must name each", `e.g. name: port-${i + 1} (names differ, lowercase letters, digits and '-')`);
    return { name: typeof q.name === "string" ? q.name : "", port: Number(port), targetPort: target as number | string, protocol: String(protocol) as KServicePort["protocol"], ...(typeof nodePort === "number" ? { nodePort } : {}) };
  });
  const timeout = isObj(spec.sessionAffinityConfig) && isObj(spec.sessionAffinityConfig.clientIP) ? spec.sessionAffinityConfig.clientIP.timeoutSeconds : undefined;
  if (timeout !== undefined && (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 || timeout > 86400)) bad(["sessionAffinityConfig", "clientIP", "timeoutSeconds"], `timeoutSeconds must be a whole number of seconds from 1 to 86400, not ${JSON.stringify(timeout)}`, "the default is 10800 (3 hours)");
  const affinity = spec.sessionAffinity === "ClientIP" ? Number(timeout ?? 10800) : undefined;
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
  externalIPs.forEach((a, i) => {
    const x = parseAddr(a);
    // As the API server: no unspecified, loopback, link-local or multicast address.
    if (x?.family !== 4) bad(["externalIPs", i], `externalIPs: "${a}" is not an IPv4 address`);
    else if (/^(0\.|127\.|169\.254\.|22[4-9]\.|23\d\.)/.test(a)) bad(["externalIPs", i], `externalIPs: ${a} may not be an unspecified, loopback, link-local or multicast address`);
  });
  if (spec.loadBalancerSourceRanges !== undefined) warnings.push(problemAt(m, ["spec", "loadBalancerSourceRanges"], "loadBalancerSourceRanges is not built by this version of netlab: every source reaches the LoadBalancer address"));
  if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.includes("IPv6")) warnings.push(problemAt(m, ["spec", "ipFamilies"], "IPv6 Services are not built by this version of netlab: the Service is IPv4 only"));
  return {
    ns: n.ns,
    name: n.name,
    type,
    ...(typeof spec.clusterIP === "string" ? { clusterIP: spec.clusterIP } : {}),
    ...(typeof spec.externalName === "string" ? { externalName: spec.externalName } : {}),
    ...(typeof spec.loadBalancerIP === "string" ? { loadBalancerIP: spec.loadBalancerIP } : {}),
    ...(externalIPs.length ? { externalIPs } : {}),
    ...(isObj(spec.selector) ? { selector: Object.fromEntries(Object.entries(spec.selector).map(([k, v]) => [k, String(v)])) } : {}),
    ports,
    ...(affinity !== undefined ? { affinity } : {}),
    externalLocal: spec.externalTrafficPolicy === "Local",
    internalLocal: spec.internalTrafficPolicy === "Local",
    m,
  };
}

/** A Service's ClusterIP ("" for ExternalName, "None" headless) and each port's node port. */
export interface Allocation {
  ip: string;
  nodePorts: (number | undefined)[];
}

/**
 * ClusterIPs and node ports for the Services that do not give theirs: the next free address of
 * serviceCIDR from .11 (.1 is the `kubernetes` Service's, .10 the cluster DNS's), the next free
 * node port from 30000, in manifest order. Given ones must be inside the range and not taken twice.
 */
export function allocate(services: KService[], serviceCIDR: string, problems: Problem[], was: Map<string, Allocation> = new Map()): Map<KService, Allocation> {
  const range = parsePrefix(serviceCIDR, false)!;
  // .1 and .10 are taken by `kubernetes` and kube-dns, read first (kube/dns.ts).
  const taken = new Map<string, string>();
  const ports = new Map<number, string>();
  const who = (s: KService) => `${s.ns}/${s.name}`;
  // A Service that is up keeps the ClusterIP and node ports it has (the API server never renumbers
  // one): reserved first, so that a new Service asking for one of them is refused, as there.
  const kept = new Map<KService, Allocation>();
  for (const s of services) {
    const w = was.get(who(s));
    if (!w || s.type === "ExternalName" || s.clusterIP === "None") continue;
    const ip = w.ip && w.ip !== "None" && (!s.clusterIP || s.clusterIP === w.ip) && !taken.has(w.ip) ? w.ip : undefined;
    if (ip) taken.set(ip, who(s));
    const nodePorts = s.ports.map((p, i) => {
      const n = w.nodePorts[i];
      return n !== undefined && (p.nodePort === undefined || p.nodePort === n) && !ports.has(n) ? (ports.set(n, who(s)), n) : undefined;
    });
    kept.set(s, { ip: ip ?? "", nodePorts });
  }
  for (const s of services) {
    if (!s.clusterIP || s.clusterIP === "None" || kept.get(s)?.ip === s.clusterIP) continue;
    const a = parseAddr(s.clusterIP);
    if (!a || a.family !== 4 || !contains(range, 4, a.addr) || isNetworkOrBroadcast(range, a.addr)) problems.push(problemAt(s.m, ["spec", "clusterIP"], `clusterIP ${s.clusterIP} is not in serviceCIDR ${serviceCIDR}`, "leave it out to have one allocated"));
    else if (taken.has(s.clusterIP)) problems.push(problemAt(s.m, ["spec", "clusterIP"], `clusterIP ${s.clusterIP} is already allocated (to service ${taken.get(s.clusterIP)})`, "leave it out to have one allocated"));
    else taken.set(s.clusterIP, who(s));
  }
  for (const s of services)
    s.ports.forEach((p, i) => {
      if (p.nodePort === undefined || kept.get(s)?.nodePorts[i] === p.nodePort) return;
      const holder = ports.get(p.nodePort);
      if (holder) problems.push(problemAt(s.m, ["spec", "ports", i, "nodePort"], `nodePort ${p.nodePort} is already allocated (to service ${holder})`, "leave it out to have one allocated"));
      ports.set(p.nodePort, who(s));
    });
  let next = 11n;
  let nextPort = 30000;
  const out = new Map<KService, Allocation>();
  for (const s of services) {
    let ip = s.type === "ExternalName" ? "" : s.clusterIP ?? kept.get(s)?.ip ?? "";
    if (!ip && s.type !== "ExternalName") {
      while (taken.has(formatAddr(4, range.addr + next))) next++;
      if (isNetworkOrBroadcast(range, range.addr + next) || !contains(range, 4, range.addr + next)) {
        problems.push(problemAt(s.m, ["metadata", "name"], `serviceCIDR ${serviceCIDR} has no ClusterIP left for service ${s.ns}/${s.name}`, "a larger serviceCIDR, e.g. 10.96.0.0/16"));
        out.set(s, { ip: "", nodePorts: [] });
        continue;
      }
      ip = formatAddr(4, range.addr + next);
      taken.set(ip, `${s.ns}/${s.name}`);
    }
    const wantsNodePort = s.type === "NodePort" || s.type === "LoadBalancer";
    const nodePorts = s.ports.map((p, i) => {
      if (!wantsNodePort) return undefined;
      if (p.nodePort !== undefined) return p.nodePort;
      if (kept.get(s)?.nodePorts[i] !== undefined) return kept.get(s)!.nodePorts[i];
      while (ports.has(nextPort)) nextPort++;
      ports.set(nextPort, `${s.ns}/${s.name}`);
      return nextPort;
    });
    out.set(s, { ip, nodePorts });
  }
  return out;
}

/**
 * LoadBalancer addresses, as MetalLB assigns them from its pool: the address the Service has while
 * up, else spec.loadBalancerIP (inside the pool, not taken), else the next free; never one of
 * `used` (the lab's own addresses in the pool: its host's, its hosts' on the underlay). No pool:
 * none (the Service stays <pending>, as in a cluster without a load balancer).
 */
export function allocateLoadBalancers(services: KService[], pool: string | undefined, problems: Problem[], was: Map<string, string | undefined>, used: string[] = []): Map<KService, string> {
  const out = new Map<KService, string>();
  const range = pool ? parsePrefix(pool, false) : null;
  const lbs = services.filter((s) => s.type === "LoadBalancer");
  if (!range) return out;
  const taken = new Map<string, string>(used.map((a) => [a, "a node of the lab"]));
  const usable = (a: bigint) => contains(range, 4, a) && !isNetworkOrBroadcast(range, a);
  const who = (s: KService) => `${s.ns}/${s.name}`;
  // The address a Service has while up stays its own, reserved first (a new Service asking for it is refused).
  for (const s of lbs) {
    const w = was.get(who(s));
    if (w && (!s.loadBalancerIP || s.loadBalancerIP === w) && !taken.has(w) && usable(parseAddr(w)?.addr ?? -1n)) (taken.set(w, who(s)), out.set(s, w));
  }
  for (const s of lbs) {
    if (!s.loadBalancerIP || out.has(s)) continue;
    const a = parseAddr(s.loadBalancerIP);
    if (!a || a.family !== 4 || !usable(a.addr)) problems.push(problemAt(s.m, ["spec", "loadBalancerIP"], `loadBalancerIP ${s.loadBalancerIP} is not in loadBalancerCIDR ${pool}`, "leave it out to have one assigned"));
    else if (taken.has(s.loadBalancerIP)) problems.push(problemAt(s.m, ["spec", "loadBalancerIP"], `loadBalancerIP ${s.loadBalancerIP} is already assigned (to ${taken.get(s.loadBalancerIP)!.includes("/") ? `service ${taken.get(s.loadBalancerIP)}` : taken.get(s.loadBalancerIP)})`, "leave it out to have one assigned"));
    else (taken.set(s.loadBalancerIP, who(s)), out.set(s, s.loadBalancerIP));
  }
  let next = range.addr + 1n;
  for (const s of lbs) {
    if (out.has(s) || s.loadBalancerIP) continue;
    while (usable(next) && taken.has(formatAddr(4, next))) next++;
    if (!usable(next)) {
      problems.push(problemAt(s.m, ["metadata", "name"], `loadBalancerCIDR ${pool} has no address left for service ${s.ns}/${s.name}`, "a larger loadBalancerCIDR"));
      continue;
    }
    taken.set(formatAddr(4, next), `${s.ns}/${s.name}`);
    out.set(s, formatAddr(4, next));
  }
  return out;
}

/** The pods a Service's selector matches, in its namespace (none without a selector: endpoints are then the user's). */
export function selected(s: KService, pods: KPod[]): KPod[] {
  if (!s.selector || !Object.keys(s.selector).length) return []; // no selector, or an empty one: no endpoints, as in Kubernetes
  return pods.filter((p) => p.ns === s.ns && Object.entries(s.selector!).every(([k, v]) => p.labels[k] === v));
}

/** A Service port's target on a pod: the number, or the containerPort of that name and protocol (none: not an endpoint). */
export function targetOn(p: KServicePort, pod: KPod): number | null {
  if (typeof p.targetPort === "number") return p.targetPort;
  const named = pod.containers.flatMap((c) => c.ports).find((x) => x.name === p.targetPort && x.protocol === p.protocol);
  return named?.port ?? null;
}
