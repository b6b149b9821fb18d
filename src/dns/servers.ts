// Where a lab's DNS server listens, and which nodes use it: the gateway of each network of the
// lab's host with names (dns: true) — a node on one of them asks there, as 127.0.0.11.
import type { Lab, Node } from "../lab/model.js";

/** Gateway addresses of the lab's host's dns networks that have members. */
export function dnsServers(lab: Lab): string[] {
  return lab.networks
    .filter((n) => n.kind === "bridge" && n.holder === null && n.dns && n.gateway && lab.nodes.some((m) => m.intfs.some((i) => i.kind === "bridge" && i.network === n.name)))
    .map((n) => n.gateway!.split("/")[0]);
}

/** The server a node asks (the gateway of its first dns network of the lab's host) and its own address and interface there; null when it has none. */
export function dnsServerOf(lab: Lab, node: Node): { server: string; addr: string; dev: string } | null {
  if (node.resolv?.nameservers.length || node.vhost) return null; // its own nameservers win; hosts are machines, not containers
  for (const i of node.intfs) {
    if (i.kind !== "bridge") continue;
    const net = lab.networks.find((n) => n.name === i.network && n.holder === null && n.dns && n.gateway);
    const addr = i.addrs.find((a) => !a.includes(":"));
    if (net && addr && !net.gateway!.includes(":")) return { server: net.gateway!.split("/")[0], addr: addr.split("/")[0], dev: i.name };
  }
  return null;
}

/** How the DNS server names a version of the lab in its log when it reloads (apply waits for it). */
export const versionOf = (hash: string): string => hash.slice(0, 12);
