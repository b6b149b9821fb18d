// The tools netlab drives, as they are named on this machine, and how they enter a namespace.
import { shQuote } from "../shell.js";
import { NETNS_DIR } from "../state/paths.js";

/**
 * The iptables tool for a family: `iptables-restore`, or with NETLAB_IPTABLES=legacy|nft the
 * backend's own (`iptables-legacy-restore`), without touching the machine's alternatives.
 */
export function iptablesTool(family: 4 | 6, what: "" | "-restore" | "-save"): string {
  const backend = process.env.NETLAB_IPTABLES;
  return `${family === 4 ? "iptables" : "ip6tables"}${backend === "legacy" || backend === "nft" ? `-${backend}` : ""}${what}`;
}

/**
 * `ip -n NS` and `ip netns exec` copy the whole mount table into a new mount namespace
 * per call; with 1,000 namespaces mounted that copy dominates. netlab's own tools need
 * only the network namespace, so they enter just that.
 */
export function enterNet(ns: string): string {
  return `nsenter --net=${NETNS_DIR}/${shQuote(ns)}`;
}

/** A command line in NS as --dry-run prints it: the host's as is, a lab namespace's through nsenter. */
export function inNsText(ns: string | null, cmd: string): string {
  return ns === null ? cmd : `${enterNet(ns)} ${cmd}`;
}
