// Docker's embedded DNS address inside a node, 127.0.0.11, without a process per node: the node
// routes 127.0.0.11 to its gateway (a /32 in its local table, which wins over 127.0.0.0/8; and
// route_localnet on the interface, so a loopback address may leave it), and the namespace that
// holds the bridge DNATs what arrives for 127.0.0.11:53 to the lab's DNS server on the gateway.
// The node's source address is its own; conntrack gives the answers 127.0.0.11 back as source.
import type { Network } from "../../lab/model.js";
import type { Ruleset } from "../ruleset.js";

export const DNS_ADDR = "127.0.0.11";

/** The node's side: `ip` lines (and route_localnet, set by the node's shell). */
export function dnsRoute(dns: { server: string; dev: string }): string {
  return `route replace ${DNS_ADDR}/32 via ${dns.server} dev ${dns.dev} table local`;
}

/** The bridge's side: what comes in on a network with names for 127.0.0.11:53 goes to its server. */
export function dnsFeature(rs: Ruleset, nets: Network[]): void {
  if (rs.family !== 4) return;
  for (const n of nets)
    if (n.dns && n.gateway)
      for (const proto of ["udp", "tcp"])
        rs.add("nat", "PRE", `-i ${n.bridge} -d ${DNS_ADDR}/32 -p ${proto} -m ${proto} --dport 53`, `DNAT --to-destination ${n.gateway.split("/")[0]}:53`, `network ${n.name} embedded DNS`);
}
