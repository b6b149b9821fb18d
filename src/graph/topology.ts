// A lab as a picture's parts: clusters (virtual hosts), vertices (nodes, networks, the lab's
// host) and edges (a node's interface on a network, a link's two ends). Renderers (mermaid.ts,
// dot.ts) only lay these out, so every format shows the same lab.
import type { Lab, Network } from "../lab/model.js";
import { describeNetem } from "../net/tc.js";

export interface Vertex {
  id: string;
  kind: "node" | "vhost" | "host" | "service" | Network["kind"];
  title: string;
  lines: string[];
  /** The virtual host it sits in, if any. */
  cluster?: string;
}

export interface Edge {
  from: string;
  to: string;
  label: string;
  /** A point-to-point link (drawn thicker) rather than a network membership. */
  link: boolean;
}

export interface Topology {
  lab: string;
  description: string;
  clusters: { id: string; title: string }[];
  vertices: Vertex[];
  edges: Edge[];
}

/**
 * A name as an identifier DOT and Mermaid take, one to one: '-' is '_' (as it reads), and the
 * rarer '_' and '/' are '_U' and '_S' — names are lower case, so no two meet (web-a, web_a, team/a).
 */
const safe = (s: string) => s.replace(/[^a-z0-9]/g, (c) => (c === "-" ? "_" : c === "_" ? "_U" : c === "/" ? "_S" : `_X${c.charCodeAt(0).toString(16)}_`));
export const nodeId = (name: string) => `n_${safe(name)}`;
export const netId = (name: string) => `w_${safe(name)}`;
export const clusterId = (name: string) => `cluster_${safe(name)}`;
export const serviceId = (ns: string, name: string) => `s_${safe(`${ns}/${name}`)}`;

function netLines(n: Network): string[] {
  const kind =
    n.kind === "vxlan" ? `vxlan ${n.vni} over ${n.spans!.join(", ")}`
    : n.kind === "vlan" ? `vlan ${n.vlanId} on ${n.parent!.node ?? "host"}:${n.parent!.iface}`
    : n.kind === "bridge" ? "bridge" : `${n.kind}${n.mode ? ` ${n.mode}` : ""} on ${n.parent!.node ?? "host"}:${n.parent!.iface}`;
  const flags = [n.nat && "nat", n.internal && "internal"].filter(Boolean).join(", ");
  return [
    kind + (flags ? ` (${flags})` : ""),
    ...[n.subnet, n.subnet6].filter((x): x is string => !!x),
    ...[n.gateway, n.gateway6].filter((x): x is string => !!x).map((g) => `gateway ${g.split("/")[0]}`),
    ...(n.netem ? [describeNetem(n.netem)] : []),
  ];
}

export function topology(lab: Lab): Topology {
  const vhosts = lab.nodes.filter((n) => n.vhost);
  const clusterOf = (holder: string | null): string | undefined => {
    if (holder === null) return undefined;
    const n = lab.nodes.find((x) => x.name === holder);
    return n?.vhost ? clusterId(n.name) : n?.host ? clusterId(n.host) : undefined;
  };
  const vertices: Vertex[] = [];
  const edges: Edge[] = [];
  for (const net of lab.networks) {
    const where = net.kind === "vxlan" ? undefined : clusterOf(net.holder ?? net.parent?.node ?? null);
    const held = net.holder && !lab.nodes.find((x) => x.name === net.holder)?.vhost ? [`in ${net.holder}`] : [];
    vertices.push({ id: netId(net.name), kind: net.kind, title: net.name, lines: [...netLines(net), ...held], cluster: where });
  }
  for (const node of lab.nodes) {
    const lines = node.intfs.map((i) => `${i.name} ${i.addrs.join(" ")}`.trim());
    vertices.push({ id: nodeId(node.name), kind: node.vhost ? "vhost" : "node", title: node.name, lines, cluster: node.vhost ? clusterId(node.name) : node.host ? clusterId(node.host) : undefined });
    for (const i of node.intfs)
      if (i.kind !== "veth") edges.push({ from: nodeId(node.name), to: netId(i.network), label: i.name, link: false });
  }
  const host = hostVertex(lab);
  if (host) vertices.push(host);
  edges.push(...gatewayEdges(lab, host !== null));
  for (const l of lab.links) {
    const [a, b] = l.endpoints;
    const netem = l.netem ? ` (${describeNetem(l.netem)})` : "";
    edges.push({ from: a.node === "host" ? "host" : nodeId(a.node), to: b.node === "host" ? "host" : nodeId(b.node), label: `${a.iface} — ${b.iface}${netem}`, link: true });
  }
  services(lab, vertices, edges);
  const clusterNodes = new Set(lab.kube?.nodes.map((n) => n.name));
  return {
    lab: lab.name,
    description: lab.description,
    clusters: vhosts.map((v) => ({ id: clusterId(v.name), title: `${v.name} (${clusterNodes.has(v.name) ? "cluster node" : "virtual host"})` })),
    vertices,
    edges,
  };
}

/** A cluster's Services: each with its ClusterIP, type and ports, an edge to every pod it sends to. */
function services(lab: Lab, vertices: Vertex[], edges: Edge[]): void {
  for (const s of lab.kube?.services ?? []) {
    const ip = s.type === "ExternalName" ? `CNAME ${s.externalName ?? ""}` : s.clusterIP === "None" ? "headless" : s.clusterIP;
    const ports = s.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ""}/${p.protocol}`).join(", ");
    vertices.push({ id: serviceId(s.ns, s.name), kind: "service", title: `svc ${s.ns === "default" ? s.name : `${s.ns}/${s.name}`}`, lines: [`${s.type} ${ip}`, ...(s.loadBalancer ? [`LoadBalancer ${s.loadBalancer}`] : []), ...(ports ? [ports] : [])] });
    const to = new Map<string, string[]>();
    for (const p of s.ports) for (const e of p.endpoints) to.set(e.pod, [...(to.get(e.pod) ?? []), `${p.port}→${e.port}`]);
    for (const [pod, via] of to) edges.push({ from: serviceId(s.ns, s.name), to: nodeId(pod), label: [...new Set(via)].join(", "), link: false });
  }
}

/** The lab's host, when anything is attached to it: its links, its bridges' gateways, its published ports. */
function hostVertex(lab: Lab): Vertex | null {
  const pubs = lab.nodes.flatMap((n) => n.publish.filter((p) => p.on === null).map((p) => `publish ${p.hostIp ? `${p.hostIp}:` : ""}${p.hostPort}/${p.proto} → ${n.name}:${p.port}`));
  const links = lab.host.intfs.map((i) => `${i.name} ${i.addrs.join(" ")}`.trim());
  const bridges = lab.networks.some((n) => n.kind === "bridge" && n.holder === null);
  if (!links.length && !pubs.length && !bridges) return null;
  return { id: "host", kind: "host", title: lab.isolated ? "host (isolated)" : "host", lines: [...links, ...pubs] };
}

/**
 * Where each network meets the machine that holds it: a bridge's gateway (with NAT) on the host
 * or on its virtual host; a VXLAN segment's tunnel end on every host it spans, over the underlay.
 */
function gatewayEdges(lab: Lab, host: boolean): Edge[] {
  const out: Edge[] = [];
  const vhost = (name: string | null) => (name && lab.nodes.find((x) => x.name === name)?.vhost ? name : null);
  for (const n of lab.networks) {
    if (n.kind === "vxlan") {
      for (const h of n.spans ?? []) out.push({ from: nodeId(h), to: netId(n.name), label: `VTEP ${n.vxlan ?? ""} VNI ${n.vni} (udp ${n.port ?? 4789} over eth0)`.replace("  ", " "), link: false });
      continue;
    }
    if (n.kind !== "bridge" || !(n.gateway || n.gateway6)) continue;
    const gw = [n.gateway, n.gateway6].filter((g): g is string => !!g).map((g) => g.split("/")[0]).join(" ");
    const label = `${n.bridge} ${gw}${n.nat ? ", NAT out" : ""}`;
    if (n.holder === null && host) out.push({ from: "host", to: netId(n.name), label, link: false });
    else if (vhost(n.holder)) out.push({ from: nodeId(n.holder!), to: netId(n.name), label, link: false });
  }
  return out;
}
