// Which flows to forget when a namespace's address translation changes (runtime/ops/conntrack.ts
// says why). At `up`: UDP flows to each newly published port, as Docker's portmapper does (a TCP
// flow ends on its own; a UDP one lasts as long as packets keep coming). At `down`: every flow
// to a published port, and every flow from a masqueraded subnet.
import type { Lab, Network, Publish } from "../../lab/model.js";
import { parsePrefix, prefixMask } from "../../net/ip.js";
import type { Op } from "../ops.js";

const byPort = (p: Publish) => ["-p", p.proto, "--orig-port-dst", String(p.hostPort)];

/** The conntrack op of `up` in namespace `ns` for the ports published `on` it; null when none is UDP. */
export function conntrackOnUp(lab: Lab, on: string | null, ns: string | null): Op | null {
  const udp = published(lab, on).filter((p) => p.proto === "udp");
  return udp.length ? { op: "conntrack", ns, deletes: udp.map(byPort) } : null;
}

/** The conntrack op of `down`: flows to the published ports, flows from the NATed subnets. */
export function conntrackOnDown(lab: Lab, on: string | null, ns: string | null, nets: Network[]): Op | null {
  const deletes = [...published(lab, on).map(byPort), ...nets.filter((n) => n.nat && n.subnet).map((n) => fromSubnet(n.subnet!))];
  return deletes.length ? { op: "conntrack", ns, deletes } : null;
}

function published(lab: Lab, on: string | null): Publish[] {
  const seen = new Set<string>();
  return lab.nodes.flatMap((n) => n.publish).filter((p) => p.on === on && !seen.has(`${p.proto}/${p.hostPort}`) && !!seen.add(`${p.proto}/${p.hostPort}`));
}

function fromSubnet(subnet: string): string[] {
  const [addr] = subnet.split("/");
  return ["-s", addr, "--mask-src", prefixMask(parsePrefix(subnet, false)!)];
}
