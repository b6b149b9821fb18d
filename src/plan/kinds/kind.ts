// A kind of network or link: everything netlab does that depends on it, in one module
// (containerlab's links/link.go, the CNI plugins' one folder per kind). Resolution is shared
// (lab/resolve/); a kind contributes its devices and its members' cables to the plan, names
// what it leaves in the lab's host namespace (preflight checks the names are free, teardown
// waits for them to go, drift checks they are still there), and says how probes reach its members.
import type { Intf, Lab, Network, Node } from "../../lab/model.js";
import type { Wiring } from "../placement.js";

/** An interface a kind makes in the lab's host namespace, and what it is there for. */
export interface HostObject {
  name: string;
  /** The bridge it must be a port of. */
  master?: string;
  what: string;
}

export interface NetworkKind {
  readonly kind: Network["kind"];
  /** The network's own device, in its holder's namespace (with, there, its ports' settings when that is a node). */
  device(w: Wiring, net: Network): void;
  /** One member's cable, made from the lab's host namespace. */
  member(w: Wiring, node: Node, intf: Exclude<Intf, { kind: "veth" }>, net: Network): void;
  hostObjects(lab: Lab, net: Network): HostObject[];
  /** Whether the lab's host reaches members of this network directly (it holds an address on it). */
  hostReaches(net: Network): boolean;
}

export interface LinkKind {
  readonly kind: "veth";
  /** A node's end of a link: the link is made once, from whichever end comes first. */
  member(w: Wiring, node: Node, intf: Extract<Intf, { kind: "veth" }>): void;
  /** An end in the lab's host namespace: made there, marked, addressed. */
  hostEnd(w: Wiring, intf: Extract<Intf, { kind: "veth" }>): void;
  hostObjects(lab: Lab): HostObject[];
}
