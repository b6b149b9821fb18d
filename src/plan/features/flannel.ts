// flannel's VXLAN backend (`routing: vxlan`; pkg/backend/vxlan in flannel-io/flannel), as
// flanneld leaves each node: a device flannel.1 (VNI 1, UDP 8472 — the kernel's default port,
// which flannel keeps — learning off, MTU 50 under the underlay's) holding the node's pod
// subnet's network address as a /32; for every other node, a route to its pod /24 via that
// node's flannel.1 address (onlink), a permanent neighbour entry giving that address the other
// flannel.1's MAC, and a forwarding entry sending that MAC to the other node's underlay
// address. flanneld learns the MACs from the nodes' annotations; here they are fixed per lab
// and node, so every node knows them before any exists.
import type { KubeNode } from "../../kube/types.js";
import { bridgeMac } from "../../net/names.js";
import { formatAddr, parsePrefix } from "../../net/ip.js";
import { noV6 } from "../lines.js";
import { nsOf, type Wiring } from "../placement.js";

export const FLANNEL_DEV = "flannel.1";
/** The kernel's default VXLAN port, which flannel's Linux backend uses. */
export const FLANNEL_PORT = 8472;

/** A node's flannel.1 address: its pod subnet's network address (10.244.2.0 for 10.244.2.0/24). */
const vtepAddr = (n: KubeNode) => formatAddr(4, parsePrefix(n.podSubnet, false)!.addr);

/** Every cluster node's flannel.1, neighbours, forwarding entries and routes (nothing unless lab.kube.routing is vxlan). */
export function flannelVxlan(w: Wiring): void {
  const c = w.lab.kube;
  if (!c || c.routing !== "vxlan") return;
  const mac = (n: KubeNode) => bridgeMac(w.lab.name, n.name, FLANNEL_DEV);
  for (const n of c.nodes) {
    const others = c.nodes.filter((o) => o !== n);
    const lines = w.node(n.name);
    lines.push(
      `link add ${FLANNEL_DEV} address ${mac(n)} type vxlan id 1 dstport ${FLANNEL_PORT} local ${n.underlay} nolearning dev eth0`,
      `link set dev ${FLANNEL_DEV} mtu ${c.mtu}`,
      noV6(FLANNEL_DEV),
      `link set dev ${FLANNEL_DEV} up`,
      `address add ${vtepAddr(n)}/32 dev ${FLANNEL_DEV}`,
      ...others.flatMap((o) => [`neigh replace ${vtepAddr(o)} lladdr ${mac(o)} dev ${FLANNEL_DEV} nud permanent`, `route replace ${o.podSubnet} via ${vtepAddr(o)} dev ${FLANNEL_DEV} onlink`]),
    );
    if (others.length) w.afterIn(n.name).push({ op: "bridge", ns: nsOf(w.lab, n.name), lines: others.map((o) => `fdb append ${mac(o)} dev ${FLANNEL_DEV} dst ${o.underlay} self permanent`) });
  }
}
