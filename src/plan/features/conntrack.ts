// Which flows to forget when a namespace's address translation changes (runtime/ops/conntrack.ts
// says why). At `up`: UDP flows to each newly published port (on its bound address, if any), as
// Docker's portmapper does (a TCP flow ends on its own; a UDP one lasts as long as packets keep
// coming). At `down`: only flows that lead into the lab — those DNATed to one of its nodes'
// published ports (their reply comes from the node) — and those from its masqueraded subnets;
// never another flow that merely shares a port number.
import { publishedOn, type Lab, type Network, type Publish } from "../../lab/model.js";
import { parsePrefix, prefixMask } from "../../net/ip.js";
import type { Op } from "../ops.js";

const byPort = (p: Publish) => ["-p", p.proto, ...(p.hostIp ? ["--orig-dst", p.hostIp] : []), "--orig-port-dst", String(p.hostPort)];
/** Flows whose replies come from the node's published port: the ones the DNAT sent there. */
const toNode = (p: Publish) => ["-p", p.proto, "--reply-src", p.to, "--reply-port-src", String(p.port)];

/** The conntrack op of `up` in namespace `ns` for the ports published `on` it; null when none is UDP. */
export function conntrackOnUp(lab: Lab, on: string | null, ns: string | null): Op | null {
  const udp = published(lab, on).filter((p) => p.proto === "udp");
  return udp.length ? { op: "conntrack", ns, deletes: udp.map(byPort) } : null;
}

/** The conntrack op of `down`: flows to the published ports, flows from the NATed subnets. */
export function conntrackOnDown(lab: Lab, on: string | null, ns: string | null, nets: Network[]): Op | null {
  const deletes = [...published(lab, on).map(toNode), ...nets.filter((n) => n.nat && n.subnet).map((n) => fromSubnet(n.subnet!))];
  return deletes.length ? { op: "conntrack", ns, deletes } : null;
}

function published(lab: Lab, on: string | null): Publish[] {
  const seen = new Set<string>();
  const key = (p: Publish) => `${p.proto}/${p.hostIp ?? ""}/${p.hostPort}/${p.to}:${p.port}`;
  return publishedOn(lab, on).filter((p) => !seen.has(key(p)) && !!seen.add(key(p)));
}

function fromSubnet(subnet: string): string[] {
  const [addr] = subnet.split("/");
  return ["-s", addr, "--mask-src", prefixMask(parsePrefix(subnet, false)!)];
}

/**
 * The conntrack op of `apply` in namespace `ns`, from the versions that may be live (`olds`: the
 * one up, then any an unfinished apply began) to `now`: UDP flows to ports published anew (as at
 * up); flows of ports no longer published, and from subnets no longer NATed (as at down).
 * Flows of ports that stay, stay.
 */
export function conntrackOnApply(olds: Lab[], now: Lab, on: string | null, ns: string | null): Op | null {
  const key = (p: Publish) => `${p.proto}/${p.hostIp ?? ""}/${p.hostPort}/${p.to}:${p.port}`;
  const after = published(now, on);
  const added = after.filter((p) => p.proto === "udp" && !published(olds[0], on).some((q) => key(q) === key(p)));
  const gone = olds.flatMap((o) => published(o, on)).filter((p, i, all) => !after.some((q) => key(q) === key(p)) && all.findIndex((q) => key(q) === key(p)) === i);
  const natted = (l: Lab) => (on === null ? l.networks.filter((n) => !n.holder && n.nat && n.subnet).map((n) => n.subnet!) : []);
  const unNatted = [...new Set(olds.flatMap(natted))].filter((s) => !natted(now).includes(s));
  // A port no longer published: its flows only (another port may DNAT to the same node port).
  const deletes = [...added.map(byPort), ...gone.map((p) => [...byPort(p), ...toNode(p).slice(2)]), ...unNatted.map(fromSubnet)];
  return deletes.length ? { op: "conntrack", ns, deletes } : null;
}
