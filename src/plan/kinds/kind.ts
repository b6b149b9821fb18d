// A kind of network or link: everything netlab does that depends on it, in one module
// (containerlab's links/link.go, the CNI plugins' one folder per kind). Resolution is shared
// (lab/resolve/); a kind contributes its devices and its members' cables to the plan, names
// the devices it leaves in each namespace (preflight checks the host's names are free, teardown
// waits for them to go, drift checks every one is still there), and says how probes reach its members.
import type { Intf, Lab, Network, Node } from "../../lab/model.js";
import type { Wiring } from "../placement.js";

/** A device a kind makes, where it lives, and what it is there for. */
export interface LabObject {
  /** The namespace it lives in: a node's or virtual host's name, or null for the lab's host. */
  holder: string | null;
  name: string;
  /** Its kind as the kernel reports it (`ip -d link`: bridge, vxlan, veth, macvlan …). */
  kind?: string;
  /** The bridge it must be a port of. */
  master?: string;
  what: string;
}

/** An interface a kind makes in the lab's host namespace. */
export type HostObject = LabObject;

export interface NetworkKind {
  readonly kind: Network["kind"];
  /** The device a member's own interface is (a veth end, or a sub-interface of the parent). */
  readonly memberDevice: string;
  /** The network's own device, in its holder's namespace (with, there, its ports' settings when that is a node). */
  device(w: Wiring, net: Network): void;
  /** One member's cable, made from the lab's host namespace. */
  member(w: Wiring, node: Node, intf: Exclude<Intf, { kind: "veth" }>, net: Network): void;
  /** The devices of the network itself and the bridge ports of its members, in every namespace (members' own interfaces are named by the index). */
  objects(lab: Lab, net: Network): LabObject[];
  /** Whether the lab's host reaches members of this network directly (it holds an address on it). */
  hostReaches(net: Network): boolean;
}

export interface LinkKind {
  readonly kind: "veth";
  /** A node's end of a link: the link is made once, from whichever end comes first. */
  member(w: Wiring, node: Node, intf: Extract<Intf, { kind: "veth" }>): void;
  /** An end in the lab's host namespace: made there, marked, addressed. */
  hostEnd(w: Wiring, intf: Extract<Intf, { kind: "veth" }>): void;
  objects(lab: Lab): LabObject[];
}
