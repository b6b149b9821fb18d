// `kind: bridge` (the default): a Linux bridge, and for each member a veth whose one end is the
// node's interface and the other a port of the bridge — docker0 and every user-defined Docker
// network. The bridge lives in the lab's host namespace, or in a node's (`in:`).
import { bridgeMac, ownerAlias } from "../../net/names.js";
import { addrLine, isV6, markLines, noV6 } from "../lines.js";
import { nsOf } from "../placement.js";
import type { NetworkKind } from "./kind.js";

/** A bridge port that may send a frame back out of itself (see BridgeIntf.hairpin). */
const hairpinLine = (port: string) => `link set dev ${port} type bridge_slave hairpin on`;

export const bridge: NetworkKind = {
  kind: "bridge",
  memberDevice: "veth",
  device(w, net) {
    const L = w.lab.name;
    const lines = net.holder === null ? w.host : w.node(net.holder);
    lines.push(`link add ${net.bridge} address ${bridgeMac(L, net.holder, net.name)} type bridge`);
    if (net.holder === null) lines.push(...markLines(net.bridge, ownerAlias(L, `network ${net.name}`), net.altname));
    if (net.mtu) lines.push(`link set dev ${net.bridge} mtu ${net.mtu}`);
    if (!net.gateway6) lines.push(noV6(net.bridge));
    for (const g of [net.gateway, net.gateway6]) if (g) lines.push(addrLine(g, net.bridge));
    lines.push(`link set dev ${net.bridge} up`);
    if (net.holder === null) {
      w.hostUndo.push(`link delete ${net.bridge}`);
      return;
    }
    // In a node, its ports are set up there: they were made from the host, in member() below.
    for (const m of w.lab.nodes)
      for (const i of m.intfs)
        if (i.kind === "bridge" && i.network === net.name)
          w.partIn(net.holder, `member:${m.name}:${i.name}`, () => {
            if (net.mtu) lines.push(`link set dev ${i.peer.name} mtu ${net.mtu}`);
            lines.push(noV6(i.peer.name), `link set dev ${i.peer.name} master ${net.bridge} up`);
            if (i.hairpin) lines.push(hairpinLine(i.peer.name));
          });
  },
  member(w, node, i) {
    if (i.kind !== "bridge" && i.kind !== "vxlan") return;
    const p = i.peer;
    if (p.node !== null) {
      w.host.push(`link add ${p.name} netns ${nsOf(w.lab, p.node)} type veth peer name ${i.name} netns ${node.ns}`);
      return;
    }
    w.host.push(`link add ${p.name} type veth peer name ${i.name} netns ${node.ns}`);
    w.host.push(...markLines(p.name, ownerAlias(w.lab.name, `${node.name}:${i.name}`), p.altname));
    if (i.mtu) w.host.push(`link set dev ${p.name} mtu ${i.mtu}`);
    w.host.push(noV6(p.name)); // a bridge port needs no address of its own
    w.host.push(`link set dev ${p.name} master ${p.bridge} up`);
    if (i.hairpin) w.host.push(hairpinLine(p.name));
  },
  objects(lab, net) {
    const ports = lab.nodes.flatMap((n) =>
      n.intfs.flatMap((i) => (i.kind === "bridge" && i.network === net.name ? [{ holder: i.peer.node, name: i.peer.name, kind: "veth", master: net.bridge, what: net.holder === null ? `the host side of ${n.name}:${i.name}` : `the side of ${n.name}:${i.name} on ${net.holder}` }] : [])),
    );
    return [{ holder: net.holder, name: net.bridge, kind: "bridge", what: `the bridge of network ${net.name}` }, ...ports];
  },
  hostReaches: (net) => net.holder === null && !!(net.gateway || net.gateway6),
};

export { isV6 };
