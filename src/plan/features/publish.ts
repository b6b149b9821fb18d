// Published ports, as Docker does them without its userland proxy: DNAT for traffic to a
// local address (from outside, from other nodes, and from the host itself via OUTPUT),
// masquerade for the hairpin (a node reaching the host's address on its own bridge) and for
// 127.0.0.1 (which also needs route_localnet on the bridge), and a FORWARD accept so that it
// works where the policy is DROP.
import type { Lab } from "../../lab/model.js";
import type { Ruleset } from "../ruleset.js";

/** The ports published on `on`: the lab's host (null), or a virtual host, in its own namespace. */
export function publishFeature(rs: Ruleset, lab: Lab, on: string | null): void {
  const pubs = lab.nodes.flatMap((n) => n.publish.filter((p) => p.on === on).map((p) => ({ node: n.name, ...p })));
  if (!pubs.length || rs.family !== 4) return;
  const bridges = new Set<string>();
  const targets = new Set<string>(); // two host ports to one node port need one accept and one hairpin
  const routed = new Set(lab.networks.filter((n) => n.gatewayMode === "routed").map((n) => n.bridge));
  for (const p of pubs) {
    const what = `publish ${p.node} ${p.spec}`;
    // Docker 28: a port bound to a loopback address answers the host alone, never a packet routed in.
    if (p.hostIp?.startsWith("127.")) rs.add("raw", "RAW", `-d ${p.hostIp}/32 ! -i lo -p ${p.proto} -m ${p.proto} --dport ${p.hostPort}`, "DROP", `${what} loopback only`);
    // In gateway mode routed the container port itself is what is published: no host port (Docker).
    if (routed.has(p.bridge)) continue;
    rs.add("nat", "PRE", `${p.hostIp ? `-d ${p.hostIp}/32 ` : ""}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort}`, `DNAT --to-destination ${p.to}:${p.port}`, what);
    bridges.add(p.bridge);
    const target = `${p.to}:${p.port}/${p.proto}`;
    if (targets.has(target)) continue;
    targets.add(target);
    rs.add("filter", "FWD", `-d ${p.to}/32 -o ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.port}`, "ACCEPT", what);
    // Only connections that were DNATed: with br_netfilter, direct node-to-node frames pass POSTROUTING too.
    rs.add("nat", "POST", `-s ${p.subnet} -d ${p.to}/32 -o ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.port} -m conntrack --ctstate DNAT`, "MASQUERADE", `${what} hairpin`);
  }
  for (const b of bridges) rs.add("nat", "POST", `-s 127.0.0.0/8 -o ${b}`, "MASQUERADE", "published ports via 127.0.0.1");
  // Replies to DNATed connections come back through FORWARD too.
  rs.add("filter", "FWD", "-m conntrack --ctstate RELATED,ESTABLISHED", "ACCEPT", "published ports, replies");
}
