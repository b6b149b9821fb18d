// The registry of kinds. A new network kind is one file beside these and one line here
// (and its name in the schema's `kind` and the model's Network["kind"]).
import type { Intf, Lab, Network } from "../../lab/model.js";
import type { Wiring } from "../placement.js";
import { bridge } from "./bridge.js";
import type { HostObject, LabObject, LinkKind, NetworkKind } from "./kind.js";
import { linkId, veth } from "./veth.js";
import { ipvlan, macvlan, vlan } from "./subif.js";
import { vxlan } from "./vxlan.js";

export type { HostObject, LabObject } from "./kind.js";

const NETWORK_KINDS: Record<Network["kind"], NetworkKind> = {
  bridge,
  vxlan,
  macvlan,
  ipvlan,
  vlan,
};
const LINK_KIND: LinkKind = veth;

export const networkKind = (net: Network): NetworkKind => NETWORK_KINDS[net.kind];
export const NETWORK_KIND_NAMES = Object.keys(NETWORK_KINDS);

/**
 * The lab's wiring, in the order `ip` needs it: devices the host holds, then every node's
 * cables in declaration order, then the host's link ends; devices held by nodes go into
 * those nodes' own batches.
 */
export function wire(w: Wiring): void {
  const lab = w.lab;
  const nets = new Map(lab.networks.map((n) => [n.name, n]));
  for (const net of lab.networks) if (net.holder === null && net.kind === "bridge") w.part(`network:${net.name}`, () => networkKind(net).device(w, net));
  for (const node of lab.nodes)
    for (const i of node.intfs)
      w.part(i.kind === "veth" ? linkId(node.name, i.name, i.peer) : `member:${node.name}:${i.name}`, () => {
        if (i.kind === "veth") LINK_KIND.member(w, node, i);
        else networkKind(nets.get(i.network)!).member(w, node, i, nets.get(i.network)!);
      });
  for (const i of lab.host.intfs) if (i.kind === "veth") w.part(`${linkId(null, i.name, i.peer)}@host`, () => LINK_KIND.hostEnd(w, i));
  for (const net of lab.networks) if (net.holder !== null || net.kind !== "bridge") w.part(`network:${net.name}`, () => networkKind(net).device(w, net));
}

/** Every device the lab makes, in every namespace: the networks' and links' own, and each node's interfaces. */
export function labObjects(lab: Lab): LabObject[] {
  const nets = new Map(lab.networks.map((n) => [n.name, n]));
  const own = lab.nodes.flatMap((n) =>
    n.intfs.map((i) => ({
      holder: n.name,
      name: i.name,
      kind: i.kind === "veth" ? "veth" : networkKind(nets.get(i.network)!).memberDevice,
      what: i.kind === "veth" ? `${n.name}'s end of link ${i.link + 1}` : `${n.name}'s interface on network ${i.network}`,
    })),
  );
  return [...lab.networks.flatMap((n) => networkKind(n).objects(lab, n)), ...LINK_KIND.objects(lab), ...own];
}

/** Every interface the lab makes in its host namespace. */
export function hostObjects(lab: Lab): HostObject[] {
  return labObjects(lab).filter((o) => o.holder === null);
}

/** A node's interface by which the lab's host reaches it directly, if any: on a network the host is on, or a link to the host. */
export function hostFacing(lab: Lab, intfs: Intf[]): Intf | undefined {
  const net = intfs.find((i) => i.kind !== "veth" && lab.networks.some((n) => n.name === i.network && networkKind(n).hostReaches(n)));
  return net ?? intfs.find((i) => i.kind === "veth" && i.peer.node === null);
}
