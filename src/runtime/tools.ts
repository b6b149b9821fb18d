// The tools netlab drives, as they are named on this machine, and how they enter a namespace.
import { existsSync } from "node:fs";
import { EnvError } from "../errors.js";
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

/** The Debian package that provides each tool, for "missing X: install Y". */
const PACKAGES: Record<string, string> = {
  ip: "iproute2",
  "iptables-restore": "iptables",
  "iptables-save": "iptables",
  "ip6tables-restore": "iptables",
  "iptables-legacy-restore": "iptables",
  "iptables-nft-restore": "iptables",
  "ip6tables-legacy-restore": "iptables",
  "ip6tables-nft-restore": "iptables",
  sysctl: "procps",
  nsenter: "util-linux",
  flock: "util-linux",
  bridge: "iproute2",
  tc: "iproute2",
  tcpdump: "tcpdump",
  dot: "graphviz",
  dig: "bind9-dnsutils",
  bird: "bird2",
  nft: "nftables",
  vtysh: "frr",
  unshare: "util-linux",
  ipset: "ipset",
  conntrack: "conntrack",
  sh: "dash",
  ping: "iputils-ping",
  fping: "fping",
  curl: "curl",
  nc: "netcat-openbsd",
  getent: "libc-bin",
  perl: "perl-base",
};

const PATHS = (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":").concat(["/usr/sbin", "/sbin"]);

/** The Debian package that provides a tool. */
export const packageOf = (tool: string): string => PACKAGES[tool] ?? tool;

export function hasTool(tool: string): boolean {
  return PATHS.some((d) => existsSync(`${d}/${tool}`));
}

export function requireTools(tools: string[]): void {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(packageOf))];
    throw new EnvError(`missing ${missing.join(", ")}`, `install ${pkgs.length > 1 ? "the packages" : "the package"} ${pkgs.join(" ")} (apt-get install ${pkgs.join(" ")}), or run scripts/setup.sh`);
  }
}

export function requireRoot(what: string): void {
  if (process.getuid && process.getuid() !== 0) {
    throw new EnvError(`${what} needs root: it creates namespaces and interfaces`, `run it with sudo, e.g. sudo netlab ${what.replace(/^netlab /, "")}`);
  }
}
