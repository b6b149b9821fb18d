// netlab's marks in netfilter, shared by the ruleset that installs rules (plan/ruleset.ts) and
// the code that reads the live ruleset back (runtime/iptables-live.ts, drift, clean).

import { kernelLab } from "./names.js";

/** The lab's own chains: NL-<lab>-<SUFFIX> (the lab's kernel prefix: iptables allows 28 characters). */
export const chainName = (lab: string, suffix: string) => `NL-${kernelLab(lab)}-${suffix}`;

/** Matches the names of the lab's own chains. */
export const ownChains = (lab: string) => new RegExp(`^NL-${kernelLab(lab)}-[A-Z0-9]+$`);

/** The owner comment every rule of a lab carries: `netlab:<lab>` on jumps, `netlab:<lab>:<what>` on rules. */
export const tag = (lab: string, what?: string) => `-m comment --comment ${JSON.stringify(what ? `netlab:${lab}:${what}` : `netlab:${lab}`)}`;

/**
 * How the lab's own chains are entered from the built-in ones (kube-proxy's iptablesJumpChains):
 * one jump each, tagged `netlab:<lab>`. Installing writes these; cleaning up removes exactly the
 * tagged rules in these built-in chains, and then the lab's chains.
 */
export type Table = "filter" | "nat" | "raw";

export const JUMPS: readonly { table: Table; from: string; to: string; match?: string; insert?: boolean }[] = [
  { table: "filter", from: "FORWARD", to: "FWD", insert: true },
  { table: "filter", from: "INPUT", to: "IN", insert: true },
  { table: "filter", from: "OUTPUT", to: "OUT", insert: true },
  { table: "nat", from: "POSTROUTING", to: "POST" },
  { table: "nat", from: "PREROUTING", to: "PRE", match: "-m addrtype --dst-type LOCAL" },
  { table: "nat", from: "OUTPUT", to: "PRE", match: "-m addrtype --dst-type LOCAL" },
  // Before conntrack and NAT: Docker 28 drops direct-routed packets to members here.
  { table: "raw", from: "PREROUTING", to: "RAW" },
];
