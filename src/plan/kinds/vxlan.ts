// `kind: vxlan` — Docker's overlay driver and flannel's VXLAN backend by hand: on every virtual
// host the network spans, a bridge and a VXLAN device (the "envelope": UDP to the other hosts'
// underlay addresses, learning off), with one all-zero forwarding entry per remote host, so that
// broadcast and unknown unicast are copied to each (head-end replication, no multicast). The
// members on all the hosts share one L2 segment.
import type { Lab } from "../../lab/model.js";
import { bridgeMac } from "../../net/names.js";
import { noV6 } from "../lines.js";
import { nsOf } from "../placement.js";
import { bridge } from "./bridge.js";
import type { NetworkKind } from "./kind.js";

/** A virtual host's own address on the underlay. */
export function underlayAddr(lab: Lab, host: string): string {
  const vm = lab.nodes.find((n) => n.name === host)!;
  return vm.intfs.find((i) => i.kind === "bridge" && i.network === "underlay")!.addrs[0].split("/")[0];
}

export const vxlan: NetworkKind = {
  kind: "vxlan",
  memberDevice: "veth",
  device(w, net) {
    const lab = w.lab;
    for (const h of net.spans!) {
      const lines = w.node(h);
      lines.push(`link add ${net.bridge} address ${bridgeMac(lab.name, h, net.name)} type bridge`);
      if (net.mtu) lines.push(`link set dev ${net.bridge} mtu ${net.mtu}`);
      lines.push(noV6(net.bridge), `link set dev ${net.bridge} up`);
      lines.push(`link add ${net.vxlan} type vxlan id ${net.vni} dstport ${net.port} local ${underlayAddr(lab, h)} nolearning dev eth0`);
      if (net.mtu) lines.push(`link set dev ${net.vxlan} mtu ${net.mtu}`);
      lines.push(noV6(net.vxlan!), `link set dev ${net.vxlan} master ${net.bridge} up`);
      for (const m of lab.nodes)
        for (const i of m.intfs)
          if (i.kind === "vxlan" && i.network === net.name && i.peer.node === h)
            w.partIn(h, `member:${m.name}:${i.name}`, () => {
              if (net.mtu) lines.push(`link set dev ${i.peer.name} mtu ${net.mtu}`);
              lines.push(noV6(i.peer.name), `link set dev ${i.peer.name} master ${net.bridge} up`);
            });
      const others = net.spans!.filter((o) => o !== h);
      if (others.length) w.afterIn(h).push({ op: "bridge", ns: nsOf(lab, h), lines: others.map((o) => `fdb append 00:00:00:00:00:00 dev ${net.vxlan} dst ${underlayAddr(lab, o)}`) });
    }
  },
  // A member's cable is a bridge member's: a veth into its host, the port end there.
  member: (w, node, i, net) => bridge.member(w, node, i, net),
  // On each host it spans: the bridge, the VXLAN device on it, the ports of that host's members.
  objects: (lab, net) =>
    net.spans!.flatMap((h) => [
      { holder: h, name: net.bridge, kind: "bridge", what: `the bridge of network ${net.name} on ${h}` },
      { holder: h, name: net.vxlan!, kind: "vxlan", master: net.bridge, what: `the VXLAN device of network ${net.name} on ${h}` },
      ...lab.nodes.flatMap((n) => n.intfs.flatMap((i) => (i.kind === "vxlan" && i.network === net.name && i.peer.node === h ? [{ holder: h, name: i.peer.name, kind: "veth", master: net.bridge, what: `the side of ${n.name}:${i.name} on ${h}` }] : []))),
    ]),
  hostReaches: () => false,
};
