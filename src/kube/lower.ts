// `kubernetes:` lowered into the lab's own model, before resolution, as flannel's host-gw
// cluster is built by hand (labs/host-gw.yaml): every cluster node a virtual host; node i
// (from 1) holding a bridge cni0 with the i-th /24 of podCIDR (the bridge plugin's layout: cni0
// has the .1, every pod eth0 with its default route through it); every pod a node on its node's
// cni0; host-gw: a route on every node to each other node's pod /24 via that node's underlay
// address. What leaves the cluster is masqueraded by the nodes (plan/features/kube.ts), what goes
// from pod to pod is not. Problems are located in the manifests (kube/manifests.ts).
import type { KeyPath, Problem } from "../errors.js";
import { contains, formatAddr, formatPrefix, overlaps, parsePrefix, type Prefix } from "../net/ip.js";
import type { RawKube, RawLab, RawNode } from "../lab/schema.js";
import type { LabSource, Origin, Translate } from "../lab/source.js";
import { UNDERLAY_SUBNET } from "../lab/virtual-hosts.js";
import { shQuote } from "../shell.js";
import { dnsAddon, dnsIPOf, DNS_POD, podResolv } from "./dns.js";
import { kubeletResolv } from "./pod-network.js";
import { problemAt, readManifests } from "./manifests.js";
import { contentHash, objectKey, selectorOf, withOverlay, type KubeOverlay } from "./overlay.js";
import { readObjects } from "./objects.js";
import { allocate, allocateLoadBalancers, selected, targetOn, type Allocation } from "./services.js";
import { lbPool, lbRoutes } from "./load-balancers.js";
import { checksStillNamed, deploymentsAnswer } from "./checks.js";
import type { KPod, KService, KubeCluster, KubeNode, ServiceModel } from "./types.js";

export type { KubeCluster, KubeNode } from "./types.js";

export const POD_CIDR = "10.244.0.0/16";
export const SERVICE_CIDR = "10.96.0.0/16";

export interface KubeLowering {
  raw: RawLab;
  translate: Translate;
  problems: Problem[];
  warnings: Problem[];
  notes: string[];
  cluster: KubeCluster | null;
}

/** The lab node a pod is: `POD` in default, `NS/POD` elsewhere. */
export const podNode = (ns: string, name: string) => (ns === "default" ? name : `${ns}/${name}`);

/**
 * Lowers `kubernetes:` (pure: `raw` is not changed). `labFile`: where manifests are relative to;
 * `overlay`: the objects applied, deleted and scaled while the cluster is up; `previous`: the
 * cluster that is up, whose Services keep their ClusterIPs and node ports.
 */
export function lowerKubernetes(raw: RawLab, src: LabSource, labFile: string, overlay?: KubeOverlay, previous?: KubeCluster, files?: Record<string, string>): KubeLowering {
  const k = raw.kubernetes;
  const out: KubeLowering = { raw, translate: (p) => p, problems: [], warnings: [], notes: [], cluster: null };
  if (!k) return out;
  const at = (key: string, message: string, hint?: string) => out.problems.push(src.problem(["kubernetes", key], message, hint));
  const pods = prefixOf(k.podCIDR ?? POD_CIDR, (m, h) => at("podCIDR", m, h), 23);
  const services = prefixOf(k.serviceCIDR ?? SERVICE_CIDR, (m, h) => at("serviceCIDR", m, h), 30);
  const underlay = parsePrefix(raw.underlay?.subnet ?? UNDERLAY_SUBNET, false);
  if (pods && services && overlaps(pods, services)) at("serviceCIDR", `serviceCIDR ${formatPrefix(services)} overlaps podCIDR ${formatPrefix(pods)}`, "Services and pods need ranges of their own, e.g. 10.96.0.0/16 and 10.244.0.0/16");
  const pool = lbPool(k.loadBalancerCIDR, [["podCIDR", pods], ["serviceCIDR", services]], (m, h) => at("loadBalancerCIDR", m, h));
  for (const [key, p] of [["podCIDR", pods], ["serviceCIDR", services]] as const)
    if (p && underlay && overlaps(p, underlay)) at(key, `${key} ${formatPrefix(p)} overlaps the underlay ${formatPrefix(underlay)}`, "the nodes' LAN needs a range of its own (underlay: { subnet: … })");
  if (k.proxyMode && k.proxyMode !== "iptables") at("proxyMode", `proxyMode: ${k.proxyMode} is not built yet by this version of netlab`, "use proxyMode: iptables (the default): kube-proxy's iptables chains");
  k.nodes.forEach((n, i) => {
    if (k.nodes.indexOf(n) !== i) out.problems.push(src.problem(["kubernetes", "nodes", i], `node ${n} is listed twice`, "each cluster node once"));
  });
  for (const [key, p] of [["podCIDR", pods], ["serviceCIDR", services]] as const) if (p) routesInto(raw, k, p, key, (path, m, h) => out.problems.push(src.problem(path, m, h)));
  if (pods && k.nodes.length > 2 ** (24 - pods.len) - 1) at("nodes", `podCIDR ${formatPrefix(pods)} has room for ${2 ** (24 - pods.len) - 1} nodes' /24s, not ${k.nodes.length}`, "a larger podCIDR, e.g. 10.244.0.0/16");
  if (out.problems.length || !pods) return out;
  const { manifests, problems, read: manifestFiles } = readManifests(src, k.manifests ?? [], src.file, files);
  const objects = withOverlay(manifests, overlay, out.warnings);
  const read = readObjects([...dnsAddon(formatPrefix(services!)), ...objects]);
  out.problems.push(...problems, ...read.problems);
  out.warnings.push(...read.warnings);
  if (read.aside.size) out.notes.push(`kubernetes: fields left aside (they do not change the network): ${[...read.aside].sort().join(", ")}`);
  const { nodes, underlays } = clusterNodes(raw, k, pods, (i, m, h) => out.problems.push(src.problem(["kubernetes", "nodes", i], m, h)));
  const ran = new Map((previous?.pods ?? []).map((p) => [p.node, p.on]));
  const lowered = lowerPods(raw, k, nodes, read.objects.pods, formatPrefix(services!), out.problems, ran);
  if (out.problems.length) return out;
  lowered.raw = deploymentsAnswer(lowered.raw, lowered.pods);
  const leftOut: string[] = [];
  out.raw = overlay ? checksStillNamed(lowered, src, out.warnings, leftOut) : lowered.raw;
  out.translate = (p) => lowered.origins.get(`${p[0]}.${p[1]}`)?.(p.slice(2)) ?? p;
  const was = new Map((previous?.services ?? []).map((s) => [`${s.ns}/${s.name}`, { ip: s.clusterIP, nodePorts: s.ports.map((p) => p.nodePort) }]));
  const lbs = allocateLoadBalancers(read.objects.services, k.loadBalancerCIDR, out.problems, new Map((previous?.services ?? []).map((s) => [`${s.ns}/${s.name}`, s.loadBalancer])), underlays);
  const svcs = serviceModels(read.objects.services, read.objects.pods, lowered.pods, formatPrefix(services!), out.problems, out.warnings, was).map((s, i) => (lbs.get(read.objects.services[i]) ? { ...s, loadBalancer: lbs.get(read.objects.services[i]) } : s));
  if (pool) out.raw = lbRoutes(out.raw, [...new Set(lbs.values())], nodes);
  if (out.problems.length) return out;
  if (previous) stamp(previous, lowered.pods, svcs);
  const created = previous ? createdSince(previous, objects.map((m) => objectKey(m.data))) : {};
  out.cluster = { podCIDR: formatPrefix(pods), serviceCIDR: formatPrefix(services!), ...(pool ? { loadBalancerCIDR: formatPrefix(pool) } : {}), routing: k.routing ?? "host-gw", mtu: mtuOf(raw, k), nodes, pods: lowered.pods, services: svcs, dns: { ip: dnsIPOf(formatPrefix(services!)), pod: DNS_POD }, objects: Object.fromEntries(objects.map((m) => [objectKey(m.data), contentHash(m.data)])), selectors: Object.fromEntries(objects.filter((m) => m.data.kind === "Deployment").map((m) => [objectKey(m.data), selectorOf(m.data)])), ...(overlay ? { overlay } : {}), ...(Object.keys(created).length ? { created } : {}), ...(leftOut.length ? { leftOut } : {}), ...policiesOf(read.objects), ...(manifestFiles.length ? { files: manifestFiles } : {}) };
  return out;
}

/** The pods' MTU: the underlay's, less VXLAN's 50 bytes when pods' traffic is encapsulated (flannel's subnet.env FLANNEL_MTU). */
const mtuOf = (raw: RawLab, k: RawKube) => (raw.underlay?.mtu ?? 1500) - (k.routing === "vxlan" ? 50 : 0);

/** A cluster node's route (hosts: in the lab file) into its pods' or Services' range: netlab routes those itself there. */
function routesInto(raw: RawLab, k: RawKube, p: Prefix, key: string, bad: (path: KeyPath, m: string, h?: string) => void): void {
  for (const n of k.nodes)
    (raw.hosts?.[n]?.routes ?? []).forEach((r, i) => {
      const to = typeof r === "string" ? r.trim().split(/\s+/)[0] : String(r.to);
      const q = parsePrefix(to.includes("/") ? to : `${to}/32`, false);
      if (q && q.family === 4 && q.len >= p.len && contains(p, 4, q.addr)) bad(["hosts", n, "routes", i], `this route to ${to} is inside the cluster's ${key} ${formatPrefix(p)}`, "netlab routes the cluster's pods and Services on its nodes itself (host-gw or vxlan, kube-proxy): leave the route out");
    });
}

function prefixOf(text: string, bad: (m: string, h?: string) => void, widest: number): Prefix | null {
  const p = parsePrefix(text, false);
  if (!p || p.family !== 4) return bad(`"${text}" is not an IPv4 prefix`, "e.g. 10.244.0.0/16"), null;
  if (p.len > widest) return bad(`${text} is too small: at most a /${widest}`, "e.g. 10.244.0.0/16"), null;
  return p;
}

/** The cluster's nodes: pod /24 i (from 1) each, and the underlay address each has (given, else the next free from .11). */
function clusterNodes(raw: RawLab, k: RawKube, pods: Prefix, bad: (i: number, m: string, h?: string) => void): { nodes: KubeNode[]; underlays: string[] } {
  const underlay = parsePrefix(raw.underlay?.subnet ?? UNDERLAY_SUBNET, false)!;
  const hosts = raw.hosts ?? {};
  const taken = new Set(Object.values(hosts).flatMap((h) => (h?.underlay ? [h.underlay.split("/")[0]] : [])));
  let next = 11n;
  const free = () => {
    while (taken.has(formatAddr(4, underlay.addr + next))) next++;
    return formatAddr(4, underlay.addr + next++);
  };
  // Hosts declared first, in their order, then the cluster's own: the order the resolver numbers them in.
  const order = [...Object.keys(hosts), ...k.nodes.filter((n) => !(n in hosts))];
  const addr = new Map(order.map((n) => [n, hosts[n]?.underlay?.split("/")[0] ?? free()]));
  // Every address the underlay gives the lab: its host's (.1) and each host's.
  const underlays = [formatAddr(4, underlay.addr + 1n), ...addr.values()];
  const nodes = k.nodes.map((name, i) => {
    if (raw.nodes?.[name] !== undefined) bad(i, `"${name}" is a node of the lab; a cluster's nodes are virtual hosts`, "name the cluster node otherwise, or declare it under hosts:");
    const subnet = { family: 4 as const, addr: pods.addr + (BigInt(i + 1) << 8n), len: 24 };
    return { name, podSubnet: formatPrefix(subnet), underlay: addr.get(name)! };
  });
  return { nodes, underlays };
}

/** The lab with the cluster's hosts, cni0 networks and pods, and where each lowered key comes from. */
function lowerPods(raw: RawLab, k: RawKube, nodes: KubeNode[], list: KPod[], serviceCIDR: string, problems: Problem[], was: Map<string, string>) {
  const origins = new Map<string, (rest: KeyPath) => KeyPath | Origin>();
  const hosts = { ...(raw.hosts ?? {}) };
  const networks = { ...(raw.networks ?? {}) };
  const labNodes: Record<string, RawNode | null> = { ...(raw.nodes ?? {}) };
  const bridgeOf = (n: KubeNode, i: number) => (`cni0-${n.name}`.length <= 32 ? `cni0-${n.name}` : `cni0-${i + 1}`);
  nodes.forEach((n, i) => {
    const h = hosts[n.name] ?? {};
    const others = k.routing === "vxlan" ? [] : nodes.filter((o) => o !== n).map((o) => `${o.podSubnet} via ${o.underlay}`);
    // br_netfilter on: a reply bridged straight back to a pod on the same cni0 is un-DNATed (kubeadm's preflight wants it too).
    // ICMP errors unlimited: a connection a NetworkPolicy REJECTs is refused at once however many
    // ask (the kernel's default lets one per second per client through after a burst of six).
    const sysctls = { "net.bridge.bridge-nf-call-iptables": 1, "net.ipv4.icmp_ratemask": 0, ...(h.sysctls ?? {}) };
    hosts[n.name] = { ...h, underlay: h.underlay ?? n.underlay, routes: [...(h.routes ?? []), ...others], sysctls };
    const mtu = k.routing === "vxlan" ? { mtu: mtuOf(raw, k) } : {};
    networks[bridgeOf(n, i)] = { host: n.name, bridge: "cni0", subnet: n.podSubnet, dns: false, ...mtu };
    origins.set(`networks.${bridgeOf(n, i)}`, () => ["kubernetes", "nodes", i]);
    if (!raw.hosts?.[n.name]) origins.set(`hosts.${n.name}`, () => ["kubernetes", "nodes", i]);
  });
  const pods: KubeCluster["pods"] = [];
  const turn = new Map<string, number>();
  for (const p of list) {
    const node = placed(p, nodes, raw, turn, problems, was.get(podNode(p.ns, p.name)));
    if (!node) continue;
    const name = podNode(p.ns, p.name);
    if (labNodes[name] !== undefined) problems.push(problemAt(p.m, ["metadata", "name"], `pod ${name} has the name of a node of the lab`, "rename the pod or the node"));
    // The kubelet's resolv.conf: the cluster DNS, the namespace's search path, ndots:5.
    const dns = kubeletResolv(p.ns, dnsIPOf(serviceCIDR), p.dns, podResolv(p.ns, dnsIPOf(serviceCIDR)));
    labNodes[name] = { host: node.name, networks: [bridgeOf(node, nodes.indexOf(node))], labels: p.labels, dns, ...(p.hosts ? { hosts: p.hosts } : {}), ...(name === DNS_POD ? {} : runOf(p)) };
    origins.set(`nodes.${name}`, () => p.m.at([...p.spec]));
    // What it listens on once up: its TCP and UDP containerPorts (a `sleep` container listens on none).
    const listens = p.containers.flatMap((c) => c.ports).filter((x) => x.protocol !== "SCTP").length;
    pods.push({ node: name, on: node.name, ns: p.ns, name: p.name, labels: p.labels, listens, ...(p.containers.some((c) => c.ports.length) ? { ports: p.containers.flatMap((c) => c.ports) } : {}), ...(p.owner ? { owner: p.owner } : {}), ...(p.hostname ? { hostname: p.hostname } : {}), ...(p.subdomain ? { subdomain: p.subdomain } : {}) });
  }
  return { raw: { ...raw, hosts, networks, nodes: labNodes }, origins, pods };
}

/**
 * The node a pod runs on: nodeName; else the node it runs on already (`on`: a pod that is up
 * never moves, whatever else comes or goes); else round-robin over the nodes its nodeSelector
 * allows — a Deployment's replica i on the i-th, other pods in turn.
 */
function placed(p: KPod, nodes: KubeNode[], raw: RawLab, turn: Map<string, number>, problems: Problem[], on?: string): KubeNode | null {
  if (p.nodeName) {
    const n = nodes.find((x) => x.name === p.nodeName);
    if (!n && !p.replica) problems.push(problemAt(p.m, [...p.spec, "nodeName"], `node "${p.nodeName}" not found`, `the cluster's nodes: ${nodes.map((x) => x.name).join(", ")}`));
    return n ?? null;
  }
  const labels = (n: KubeNode): Record<string, string> => ({ ...(raw.hosts?.[n.name]?.labels ?? {}), "kubernetes.io/hostname": n.name });
  const fit = nodes.filter((n) => Object.entries(p.nodeSelector ?? {}).every(([key, v]) => labels(n)[key] === v));
  if (!fit.length) {
    if (!p.replica) problems.push(problemAt(p.m, [...p.spec, "nodeSelector"], "no node matches this nodeSelector (the pod would stay Pending)", "label a node under hosts: (labels: { disktype: ssd }), or drop the selector"));
    return null;
  }
  const stays = fit.find((n) => n.name === on);
  if (stays) return stays;
  if (p.replica !== undefined) return fit[p.replica % fit.length];
  const i = turn.get("") ?? 0;
  turn.set("", i + 1);
  return fit[i % fit.length];
}

/** What a pod runs: each container's command, else a `netlab serve` per containerPort answering with the pod's name. */
function runOf(p: KPod): { run?: string[] } {
  const run = p.containers.flatMap((c) => {
    if (c.command) return [c.command.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : shQuote(w))).join(" ")];
    return c.ports.filter((x) => x.protocol !== "SCTP").map((x) => `netlab serve ${x.protocol === "UDP" ? "udp" : "http"} --port ${x.port} --name ${podNode(p.ns, p.name)}`);
  });
  return run.length ? { run } : {};
}



/** The cluster's NetworkPolicies (without their manifests: lab.json holds them), when it has some, and namespaces' labels, when one has some. */
function policiesOf(o: ReturnType<typeof readObjects>["objects"]): Pick<KubeCluster, "policies" | "namespaces"> {
  const labelled = [...o.namespaces].filter(([, l]) => Object.keys(l).length);
  return { ...(o.policies.length ? { policies: o.policies.map(({ m: _m, ...p }) => p) } : {}), ...(labelled.length ? { namespaces: Object.fromEntries(labelled) } : {}) };
}

/** When each object the cluster up did not have was created: kept from the cluster up, now for the new ones. */
function createdSince(previous: KubeCluster, keys: string[]): Record<string, string> {
  const now = new Date().toISOString();
  return Object.fromEntries(keys.flatMap((k) => (previous.created?.[k] ? [[k, previous.created[k]]] : k in previous.objects ? [] : [[k, now]])));
}

/** When each pod and Service was made, for kubectl's AGE: kept from the cluster up, now for those it did not have. */
function stamp(previous: KubeCluster, pods: KubeCluster["pods"], svcs: ServiceModel[]): void {
  const now = new Date().toISOString();
  const was = new Map<string, string | undefined>([...previous.pods.map((p) => [`pod ${p.node}`, p.since] as const), ...previous.services.map((s) => [`svc ${s.ns}/${s.name}`, s.since] as const)]);
  const since = (k: string) => (was.has(k) ? was.get(k) : now);
  for (const p of pods) if (since(`pod ${p.node}`)) p.since = since(`pod ${p.node}`);
  for (const s of svcs) if (since(`svc ${s.ns}/${s.name}`)) s.since = since(`svc ${s.ns}/${s.name}`);
}

/** Services with their ClusterIP, node ports and endpoints (pods placed; addresses filled after resolution). */
function serviceModels(list: KService[], kpods: KPod[], placed: KubeCluster["pods"], serviceCIDR: string, problems: Problem[], warnings: Problem[], was: Map<string, Allocation>): ServiceModel[] {
  const got = allocate(list, serviceCIDR, problems, was);
  const nodeOf = (p: KPod) => placed.find((x) => x.ns === p.ns && x.name === p.name);
  return list.map((s) => {
    const a = got.get(s)!;
    const pods = selected(s, kpods);
    if (s.selector && Object.keys(s.selector).length && !pods.length)
      warnings.push(problemAt(s.m, ["spec", "selector"], `selector ${Object.entries(s.selector).map(([k, v]) => `${k}=${v}`).join(",")} matches no pod in namespace ${s.ns}: the Service has no endpoints, and kube-proxy rejects its connections`, "give the pods these labels (template.metadata.labels), or fix the selector"));
    // A named targetPort no selected pod has: the Service has no endpoints (as in Kubernetes) — said, since it is most often a typo.
    s.ports.forEach((p, i) => {
      if (typeof p.targetPort === "string" && pods.length && pods.every((pod) => targetOn(p, pod) === null))
        warnings.push(problemAt(s.m, ["spec", "ports", i, "targetPort"], `targetPort "${p.targetPort}" names no ${p.protocol} containerPort of the pods the selector matches: the Service has no endpoints`, `their ports: ${[...new Set(pods.flatMap((x) => x.containers.flatMap((c) => c.ports.map((q) => q.name ?? String(q.port)))))].join(", ") || "none"}`));
    });
    const ports = s.ports.map((p, i) => ({
      ...p,
      ...(a.nodePorts[i] !== undefined ? { nodePort: a.nodePorts[i] } : {}),
      endpoints: pods.flatMap((pod) => {
        const port = targetOn(p, pod);
        const at = nodeOf(pod);
        return port === null || !at ? [] : [{ pod: at.node, node: at.on, ip: "", port }];
      }),
    }));
    return { ns: s.ns, name: s.name, type: s.type, clusterIP: a.ip, ...(s.externalName ? { externalName: s.externalName } : {}), ...(s.externalIPs ? { externalIPs: s.externalIPs } : {}), ...(s.selector ? { selector: s.selector } : {}), ports, ...(s.affinity !== undefined ? { affinity: s.affinity } : {}), externalLocal: s.externalLocal, internalLocal: s.internalLocal };
  });
}

/** The cluster with each endpoint's address: its pod's on cni0, as the resolver gave it; sorted as kube-proxy sorts them. */
export function withEndpoints(c: KubeCluster, lab: import("../lab/model.js").Lab): KubeCluster {
  const ipOf = new Map<string, string>(lab.nodes.map((n) => [n.name, n.intfs[0]?.addrs.find((a) => !a.includes(":"))?.split("/")[0] ?? ""]));
  // kube-proxy orders endpoints by their "ip:port" strings (10.244.1.10:80 before 10.244.1.2:80).
  const key = (e: { ip: string; port: number }) => `${e.ip}:${e.port}`;
  const services = c.services.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p, endpoints: p.endpoints.map((e) => ({ ...e, ip: ipOf.get(e.pod) ?? "" })).filter((e) => e.ip).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)) })) }));
  return { ...c, pods: c.pods.map((p) => ({ ...p, ip: ipOf.get(p.node) || undefined })), services };
}

/**
 * kubelet's hairpin-veth mode: every pod's port on cni0 may send a frame back out where it came
 * in — with br_netfilter, a pod that reaches its own Service and is DNATed to itself is bridged
 * back out of its own port, which a bridge refuses otherwise (the request times out).
 */
export function hairpinPods(c: KubeCluster, lab: import("../lab/model.js").Lab): void {
  const pods = new Set(c.pods.map((p) => p.node));
  for (const n of lab.nodes) if (pods.has(n.name)) for (const i of n.intfs) if (i.kind === "bridge") i.hairpin = true;
}
