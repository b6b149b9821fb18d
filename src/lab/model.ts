// The resolved lab: every name, address and route decided, nothing left to infer.
// This is what is planned, stored in /run/netlab/<lab>/lab.json and inspected.
import type { KeyPath } from "../errors.js";
import type { Netem } from "../net/tc.js";
import type { Check } from "./check.js";

export type { Netem };

export interface Lab {
  name: string;
  description: string;
  file: string;
  isolated: boolean;
  /** Namespace that holds host-side objects when isolated; null means "the namespace netlab runs in". */
  hostNs: string | null;
  networks: Network[];
  nodes: Node[];
  links: Link[];
  host: Host;
  checks: Check[];
  /** DNS records beside the nodes' names (`records:`); absent in a lab saved before they existed. */
  records?: DnsRecord[];
  /** Addresses nodes had while the lab was up and gave back (apply): a new node takes one only when no other is free, since ARP caches may still hold it. */
  retired?: string[];
  /** The Kubernetes cluster `kubernetes:` describes (kube/lower.ts), lowered into hosts, networks and nodes. */
  kube?: import("../kube/types.js").KubeCluster;
}

/** A DNS record the lab's DNS servers answer (`records:`), as a zone file line holds one. */
export interface DnsRecord {
  /** Lower case, without the final dot. */
  name: string;
  type: "A" | "AAAA" | "CNAME" | "SRV" | "TXT";
  /** A/AAAA: the address; CNAME: the name (lower case); SRV: "PRIORITY WEIGHT PORT TARGET"; TXT: the text. */
  data: string;
  /** Who sees it: askers on these networks; empty: every node the lab's DNS servers answer. */
  networks: string[];
}

/** The network kinds netlab builds; each has its module in plan/kinds/. */
export const NETWORK_KINDS = ["bridge", "vxlan", "macvlan", "ipvlan", "vlan"] as const;
/** Kinds the contract names that this netlab does not build yet: refused with that said. */
export const PLANNED_KINDS: string[] = [];
/** Kinds whose members are sub-interfaces of a parent (no bridge, no veth). */
export const SUBIF_KINDS = ["macvlan", "ipvlan", "vlan"] as const;

export interface Network {
  /** A registered network kind (plan/kinds/): how its devices are made and its members joined. */
  kind: (typeof NETWORK_KINDS)[number];
  name: string;
  /** Kernel name of the bridge in its holder's namespace. */
  bridge: string;
  altname?: string;
  /**
   * Placement: the node whose namespace holds the network's device (`in:`); null for the lab's
   * host. The lab's host namespace creates every cable (plan/placement.ts).
   */
  holder: string | null;
  /** vxlan: the virtual hosts where it has a local bridge (named `bridge`) and a VXLAN device (`vxlan`). */
  spans?: string[];
  vxlan?: string;
  vni?: number;
  port?: number;
  /** macvlan, ipvlan, vlan: the interface its members' devices hang off (in its node's namespace, null: the lab's host). */
  parent?: { node: string | null; iface: string };
  mode?: string;
  vlanId?: number;
  subnet?: string;
  subnet6?: string;
  /** Interface addresses (with prefix length) set on the bridge, or undefined for `gateway: none` / no subnet. */
  gateway?: string;
  gateway6?: string;
  nat: boolean;
  /** IPv6 masquerade (NAT66): only when asked for. */
  nat6: boolean;
  /**
   * Docker's bridge gateway mode (`com.docker.network.bridge.gateway_mode_ipv4`, Docker 28):
   * nat — masquerade, and the members' addresses unreachable from outside the host except
   * through published ports (and from `trusted` interfaces); nat-unprotected — masquerade, no
   * filtering; routed — no masquerade, published container ports reachable by routing, the rest
   * dropped; null — a plain routed LAN (no `nat:`), reachable wherever the host routes.
   */
  gatewayMode: GatewayMode | null;
  /** Host interfaces (kernel names) from which the members' published ports may be reached directly. */
  trusted: string[];
  dns: boolean;
  internal: boolean;
  isolate: boolean;
  mtu?: number;
  /** Impairments on every member interface (tc on its egress). */
  netem?: Netem;
  path: KeyPath;
}

export const GATEWAY_MODES = ["nat", "nat-unprotected", "routed"] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];

export interface Link {
  index: number;
  endpoints: [{ node: string; iface: string }, { node: string; iface: string }];
  mtu?: number;
  /** Impairments on both ends (tc on each end's egress). */
  netem?: Netem;
}

interface IntfBase {
  /** Name inside its namespace. */
  name: string;
  addrs: string[];
  mac?: string;
  mtu?: number;
  /** Impairments on this interface's egress, from its link or network. */
  netem?: Netem;
}

/** A node's leg on a bridge (or vxlan) network: a veth whose other end is a port of the bridge, in the bridge holder's namespace (null: the lab's host). */
export interface BridgeIntf extends IntfBase {
  kind: "bridge" | "vxlan";
  network: string;
  /** More names of the node on this network. */
  aliases?: string[];
  peer: { node: string | null; name: string; altname?: string; bridge: string };
  /**
   * The bridge port may send a frame back out where it came in (`hairpin on`): set where a DNAT
   * can turn a member's packet back to the member itself (it reaches its own published port).
   * With br_netfilter such a packet is bridged back out of its own port, which a bridge refuses
   * otherwise (Docker without its userland proxy; kubelet's hairpin-veth mode).
   */
  hairpin?: boolean;
}

/** A member of a macvlan, ipvlan or vlan network: a device of the parent, moved into the node. */
export interface SubIntf extends IntfBase {
  kind: "macvlan" | "ipvlan" | "vlan";
  network: string;
  aliases?: string[];
  parent: { node: string | null; name: string };
  mode?: string;
  vlanId?: number;
}

/** One end of a point-to-point veth link; the other end is in `peer.node`'s namespace (null: the lab's host). */
export interface VethIntf extends IntfBase {
  kind: "veth";
  link: number;
  peer: { node: string | null; name: string };
}

/** An interface, keyed by the kind of what it joins. */
export type Intf = BridgeIntf | VethIntf | SubIntf;

/** The network an interface is on, if it is a network's member. */
export const networkOf = (i: Intf): string | undefined => (i.kind === "veth" ? undefined : i.network);

export interface Node {
  name: string;
  ns: string;
  /** A virtual host (`hosts:`): a machine of its own, eth0 on the underlay. */
  vhost: boolean;
  /** The virtual host this node lives on. */
  host?: string;
  /** Files under /etc inside the namespace: absolute path → content. */
  files: Record<string, string>;
  intfs: Intf[];
  /** Lines for `ip route replace …`. */
  routes: string[];
  /** Lines for `ip rule add …`. */
  rules: string[];
  forward: boolean;
  sysctls: Record<string, string>;
  /** Extra /etc/hosts entries from the lab file (address, name); the network-derived ones come from hostsEntries(). */
  extraHosts: [string, string][];
  resolv?: { nameservers: string[]; search: string[]; options?: string[] };
  /**
   * Where the lab's DNS server sends this node's questions about names outside the lab, in turn
   * (`dns: { upstreams }`; a Compose service's `dns:`): Docker's `--dns` on a user-defined
   * network, which keeps `nameserver 127.0.0.11` and makes these the embedded server's upstreams.
   */
  upstreams?: string[];
  run: string[];
  exec: string[];
  labels: Record<string, string>;
  /** Bridges this node's namespace holds (`networks.X.in: this node`). */
  bridges: string[];
  /** Ports published on the lab's host, like `docker run -p`. */
  publish: Publish[];
  firewall?: Firewall;
}

export interface Firewall {
  input: "accept" | "drop";
  forward: "accept" | "drop";
  output: "accept" | "drop";
  /** Accepts in the chains they open: the ones named, or else every one of INPUT and FORWARD whose policy is drop. */
  allow: { proto: "tcp" | "udp" | "icmp"; port?: string; from?: string; spec: string; chains: ("INPUT" | "FORWARD")[] }[];
  /** Raw iptables rule specs, with the table they go to. */
  rules: { table: string; rule: string }[];
}

/** Two published ports collide: same protocol and host port, and an address in common (none means all). */
export function samePublishedPort(a: Pick<Publish, "proto" | "hostPort" | "hostIp">, b: Pick<Publish, "proto" | "hostPort" | "hostIp">): boolean {
  return a.proto === b.proto && a.hostPort === b.hostPort && (!a.hostIp || !b.hostIp || a.hostIp === b.hostIp);
}

export interface Publish {
  /** Whose ports: the lab's host (null) or a virtual host. */
  on: string | null;
  /** Host address the port is bound to; undefined means every address of the host. */
  hostIp?: string;
  hostPort: number;
  port: number;
  proto: "tcp" | "udp";
  /** The node's address the traffic goes to, on a network whose bridge the host holds. */
  to: string;
  /** That network's bridge and subnet. */
  bridge: string;
  subnet: string;
  spec: string;
}

export interface Host {
  firewall?: Firewall;
  intfs: Intf[];
  routes: string[];
  /** Of `routes`, those the lab means to override (`replace: true`): the host's own route to that prefix is put back on down. */
  replaceRoutes: string[];
  /** Where each of `routes` is written, for preflight's errors. */
  routePaths: KeyPath[];
  forward: boolean;
  sysctls: Record<string, string>;
  exec: string[];
  run: string[];
  files: Record<string, string>;
}

export { probeTool, type Check, type ProbeKind } from "./check.js";



/** Members of a network, in node declaration order, with their address(es) on it. */
export function networkMembers(lab: Lab, network: string): { node: string; addrs: string[]; aliases: string[] }[] {
  const out: { node: string; addrs: string[]; aliases: string[] }[] = [];
  for (const n of lab.nodes)
    for (const i of n.intfs) if (networkOf(i) === network) out.push({ node: n.name, addrs: i.addrs.map((a) => a.split("/")[0]), aliases: i.kind === "veth" ? [] : (i.aliases ?? []) });
  return out;
}

/** The names a node answers to in DNS and hosts files: its own, unless it carries a namespace (`NS/POD`, not a DNS name: a pod is found through its Services and aliases). */
export function namesOf(node: string, aliases: string[] = []): string[] {
  return node.includes("/") ? aliases : [node, ...aliases];
}

/** The networks whose names a node resolves: those it is on with dns: true, in its interface order. */
export function dnsNetworks(lab: Lab, node: Node): string[] {
  return node.intfs.map(networkOf).filter((net): net is string => !!net && !!lab.networks.find((n) => n.name === net)?.dns);
}

const publishedBy = new WeakMap<Lab, Map<string | null, Publish[]>>();

/** The ports published on `on` (a node's name, or null for the lab's host), from every node; indexed once per lab (a 1,000-node plan asks 1,000 times). */
export function publishedOn(lab: Lab, on: string | null): Publish[] {
  let by = publishedBy.get(lab);
  if (!by) {
    by = new Map();
    for (const p of lab.nodes.flatMap((n) => n.publish)) (by.get(p.on) ?? by.set(p.on, []).get(p.on)!).push(p);
    publishedBy.set(lab, by);
  }
  return by.get(on) ?? [];
}
