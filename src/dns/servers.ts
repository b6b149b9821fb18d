// Where a lab's DNS servers listen, and which nodes use them: one server per namespace that
// holds networks with names (dns: true) — the lab's host, a virtual host (Docker on vm1), a node
// with bridges of its own (`in:`) — listening at the gateway of each of those networks; a node on
// one of them asks there, as 127.0.0.11 (a DNAT in the holder's namespace). A cluster's DNS is one
// more: in its pod, at the pod's address, behind the kube-dns Service (kube/dns.ts).
import type { Lab, Network, Node } from "../lab/model.js";

const withNames = (lab: Lab, n: Network) => n.kind === "bridge" && n.dns && !!n.gateway && lab.nodes.some((m) => m.intfs.some((i) => i.kind === "bridge" && i.network === n.name));

/** The cluster DNS's pod, when the lab has a cluster: a holder of its own, serving at the pod's address. */
const clusterDns = (lab: Lab): Node | undefined => (lab.kube ? lab.nodes.find((n) => n.name === lab.kube!.dns.pod) : undefined);

/** Where the cluster DNS's pod listens: its address on cni0. */
const podAddr = (n: Node): string[] => n.intfs.flatMap((i) => i.addrs).filter((a) => !a.includes(":")).slice(0, 1).map((a) => a.split("/")[0]);

/** Whether `holder` is the cluster DNS's pod (its server answers the cluster's names: dns/cluster-view.ts). */
export const isClusterDns = (lab: Lab, holder: string | null): boolean => holder !== null && clusterDns(lab)?.name === holder;

/** Gateway addresses of the dns networks with members that `holder` holds (null: the lab's host); the pod's address for the cluster DNS. */
export function dnsServers(lab: Lab, holder: string | null = null): string[] {
  if (isClusterDns(lab, holder)) return podAddr(clusterDns(lab)!);
  return lab.networks.filter((n) => n.holder === holder && withNames(lab, n)).map((n) => n.gateway!.split("/")[0]);
}

/** Every namespace that runs a DNS server: the holders of dns networks with members, the lab's host (null) first. */
export function dnsHolders(lab: Lab): (string | null)[] {
  const cluster = clusterDns(lab);
  const held = [...new Set(lab.networks.filter((n) => withNames(lab, n)).map((n) => n.holder))].sort((a, b) => (a === null ? -1 : b === null ? 1 : 0));
  return cluster ? [...held, cluster.name] : held;
}

/** The server a node asks (the gateway of its first dns network) and its own address and interface there; null when it has none. */
export function dnsServerOf(lab: Lab, node: Node): { server: string; addr: string; dev: string } | null {
  if (node.resolv?.nameservers.length || node.vhost) return null; // its own nameservers win; hosts are machines, not containers
  for (const i of node.intfs) {
    if (i.kind !== "bridge") continue;
    const net = lab.networks.find((n) => n.name === i.network && n.dns && n.gateway);
    const addr = i.addrs.find((a) => !a.includes(":"));
    if (net && addr && !net.gateway!.includes(":")) return { server: net.gateway!.split("/")[0], addr: addr.split("/")[0], dev: i.name };
  }
  return null;
}

/** The process name (journal `who`) of the DNS server in `holder`'s namespace. */
export const dnsWho = (holder: string | null): string => (holder === null ? "_dns" : `_dns@${holder}`);

/** How the DNS server names a version of the lab in its log when it reloads (apply waits for it). */
export const versionOf = (hash: string): string => hash.slice(0, 12);
