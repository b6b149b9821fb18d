// What kube-proxy clears from conntrack when a UDP Service's endpoints change
// (pkg/proxy/conntrack in kubernetes/kubernetes): a UDP flow has no end, so a client that kept
// sending to a removed endpoint would keep its old DNAT forever. For every endpoint a UDP
// Service port lost, the flows DNATed to it through the ClusterIP, the node port and the
// LoadBalancer address; for a UDP Service port that had no endpoint and now has some, every
// flow to those (they were rejected, and conntrack remembers them so).
import type { Lab } from "../../lab/model.js";
import type { Op } from "../ops.js";

type UdpPort = { ip: string; nodePort?: number; outer: string[]; eps: Set<string> };

function udpPorts(lab: Lab): Map<string, UdpPort> {
  const out = new Map<string, UdpPort>();
  for (const s of lab.kube?.services ?? [])
    for (const p of s.ports)
      if (p.protocol === "UDP" && s.clusterIP && s.clusterIP !== "None") out.set(`${s.ns}/${s.name}:${p.name}`, { ip: s.clusterIP, nodePort: p.nodePort, outer: [...(s.loadBalancer ? [s.loadBalancer] : []), ...(s.externalIPs ?? [])], eps: new Set(p.endpoints.map((e) => e.ip)) });
  return out;
}

/** The conntrack op of cluster node `node` (namespace `ns`) going from `olds` (the version up, and any an unfinished apply began) to `now`; none when no UDP flow is stale. */
export function staleUdpFlows(olds: Lab[], now: Lab, node: string, ns: string | null): Op[] {
  if (!now.kube?.nodes.some((n) => n.name === node)) return [];
  const after = udpPorts(now);
  const deletes: string[][] = [];
  const seen = new Set<string>();
  const add = (args: string[]) => !seen.has(args.join(" ")) && seen.add(args.join(" ")) && deletes.push(args);
  const before = udpPorts(olds[0]);
  for (const [k, old] of olds.entries())
    for (const [key, was] of k === 0 ? before : udpPorts(old)) {
      const is = after.get(key);
      for (const ep of was.eps) {
        if (is?.eps.has(ep)) continue;
        add(["-p", "udp", "--orig-dst", was.ip, "--dst-nat", ep]);
        if (was.nodePort) add(["-p", "udp", "--orig-port-dst", String(was.nodePort), "--dst-nat", ep]);
        for (const a of was.outer) add(["-p", "udp", "--orig-dst", a, "--dst-nat", ep]);
      }
    }
  for (const [key, is] of after)
    if (is.eps.size && !before.get(key)?.eps.size) {
      add(["-p", "udp", "--orig-dst", is.ip]);
      if (is.nodePort) add(["-p", "udp", "--orig-port-dst", String(is.nodePort)]);
      for (const a of is.outer) add(["-p", "udp", "--orig-dst", a]);
    }
  return deletes.length ? [{ op: "conntrack", ns, deletes }] : [];
}
