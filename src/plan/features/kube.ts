// A Kubernetes cluster node's own rules (lab.kube): kube-proxy's Services (kube-proxy.ts) and flannel's masquerade (`--ip-masq`,
// pkg/trafficmngr/iptables/iptables.go in flannel-io/flannel) — what leaves the cluster is
// masqueraded, what goes from pod to pod is not, so a pod sees the real source of another pod.
// The node's namespace is netlab's: chains keep flannel's names.
import type { Lab, Node } from "../../lab/model.js";
import type { Op } from "../ops.js";
import { Ruleset } from "../ruleset.js";
import { kubeProxy } from "./kube-proxy.js";
import { networkPolicies } from "./netpol.js";

/** The MARK kube-proxy sets on what it masquerades itself (flannel leaves it to kube-proxy). */
export const MASQ_MARK = "0x4000/0x4000";

/** The rules of cluster node `node` (none for a node of no cluster): kube-proxy's and flannel's, one iptables-restore. */
export function clusterNodeRules(lab: Lab, node: Node): Op[] {
  const me = lab.kube?.nodes.find((n) => n.name === node.name);
  if (!lab.kube || !me) return [];
  const rs = new Ruleset(lab.name, node.ns, 4, { owned: true, verbatim: true });
  kubeProxy(rs, lab.kube, node.name);
  networkPolicies(rs, lab.kube, node.name);
  const cluster = lab.kube.podCIDR;
  const C = "FLANNEL-POSTRTG";
  const masq = "flanneld masq";
  rs.entry({ table: "nat", from: "POSTROUTING", to: C });
  rs.add("nat", C, `-m mark --mark ${MASQ_MARK}`, "RETURN", masq);
  rs.add("nat", C, `-s ${me.podSubnet} -d ${cluster}`, "RETURN", masq);
  rs.add("nat", C, `-s ${cluster} -d ${me.podSubnet}`, "RETURN", masq);
  rs.add("nat", C, `! -s ${cluster} -d ${me.podSubnet}`, "RETURN", masq);
  rs.add("nat", C, `-s ${cluster} ! -d 224.0.0.0/4`, "MASQUERADE --random-fully", masq);
  rs.add("nat", C, `! -s ${cluster} -d ${cluster}`, "MASQUERADE --random-fully", masq);
  return rs.ops();
}
