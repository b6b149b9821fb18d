// `kind: macvlan`, `ipvlan`, `vlan`: each member gets a device of the parent interface (a
// virtual host's eth0, a link end), made in the parent's namespace straight into the member's.
// macvlan: its own MAC on the parent's LAN; ipvlan: the parent's MAC; vlan: 802.1Q tagged. As
// on a real host, the parent's own namespace cannot reach its macvlan children.
import type { Network } from "../../lab/model.js";
import type { NetworkKind } from "./kind.js";

function subif(kind: "macvlan" | "ipvlan" | "vlan"): NetworkKind {
  return {
    kind,
    memberDevice: kind,
    device() {
      /* the parent exists: a cable netlab made */
    },
    member(w, node, i) {
      if (i.kind !== kind) return;
      const type = kind === "vlan" ? `vlan id ${i.vlanId}` : `${kind} mode ${i.mode}`;
      const line = `link add link ${i.parent.name} name ${i.name} netns ${node.ns} type ${type}`;
      if (i.parent.node === null) w.host.push(line);
      else w.preIn(i.parent.node).push(line);
    },
    objects: () => [], // the parent is a cable netlab made; the members' devices are their interfaces
    hostReaches: () => false,
  };
}

export const macvlan = subif("macvlan");
export const ipvlan = subif("ipvlan");
export const vlan = subif("vlan");

/** What a user should know when a lab has macvlan networks: the parent cannot reach its children. */
export function macvlanNote(nets: Network[]): string[] {
  return nets
    .filter((n) => n.kind === "macvlan")
    .map((n) => `${n.parent!.node ?? "host"} cannot reach its own macvlan children on ${n.name} through ${n.parent!.iface}: that is how macvlan works (give it a macvlan interface of its own to reach them)`);
}
