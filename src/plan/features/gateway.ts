// A bridge's gateway mode, as Docker 28 filters it (docs.docker.com/engine/network/
// packet-filtering-firewalls/, moby's bridge driver): in mode `nat` a packet routed to a member's
// address from any interface but the bridge (and a trusted one) is dropped in raw PREROUTING,
// before conntrack and NAT — one rule per member address, as Docker writes them; in modes `nat`
// and `routed` a new connection into the bridge from elsewhere is accepted only to a published
// container port, or when it was DNATed (a port published on a host address). Rules go first in
// the lab's FORWARD chain, ahead of the routed-lab-traffic accept.
import { networkMembers, type Lab, type Network } from "../../lab/model.js";
import type { Ruleset } from "../ruleset.js";

/** Whether a network's members are filtered in this family. */
export function guarded(n: Network, family: 4 | 6): boolean {
  if (n.gatewayMode === "routed") return !!(family === 4 ? n.subnet : n.subnet6);
  return n.gatewayMode === "nat" && (family === 4 ? n.nat && !!n.subnet : n.nat6 && !!n.subnet6);
}

export function gatewayFeature(rs: Ruleset, lab: Lab, nets: Network[]): void {
  for (const n of nets.filter((x) => guarded(x, rs.family))) {
    const br = n.bridge;
    if (n.gatewayMode === "nat") {
      const addrs = networkMembers(lab, n.name).flatMap((m) => m.addrs).filter((a) => a.includes(":") === (rs.family === 6));
      const host = rs.family === 4 ? "32" : "128";
      for (const a of addrs) {
        for (const t of n.trusted) rs.add("raw", "RAW", `-d ${a}/${host} -i ${t}`, "ACCEPT", `network ${n.name} trusted ${t}`);
        rs.add("raw", "RAW", `-d ${a}/${host} ! -i ${br}`, "DROP", `network ${n.name} no direct access`);
      }
    }
    const pubs = lab.nodes.flatMap((m) => m.publish).filter((p) => p.bridge === br && rs.family === 4);
    for (const p of pubs) rs.add("filter", "FWD", `-d ${p.to}/32 -o ${br} -p ${p.proto} -m ${p.proto} --dport ${p.port}`, "ACCEPT", `network ${n.name} published ${p.spec}`);
    rs.add("filter", "FWD", `! -i ${br} -o ${br} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT`, "DROP", `network ${n.name} unpublished ports`);
  }
}
