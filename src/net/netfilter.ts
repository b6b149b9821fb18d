// netlab's marks in netfilter, shared by the ruleset that installs rules (plan/ruleset.ts) and
// the code that reads the live ruleset back (runtime/iptables-live.ts, drift, clean).
import { sha256 } from "../digest.js";
import { kernelLab } from "./names.js";

/** iptables' limit on a chain name (XT_EXTENSION_MAXNAMELEN is 29 with its NUL). */
export const CHAIN_MAX = 28;

/** A suffix netlab gives its chains: upper case, from a letter (KUBE-SVC-style), so it never reads as part of a lab prefix. */
const SUFFIX = /^[A-Z][A-Z0-9-]*$/;

/**
 * The lab's own chain NL-<lab>-<SUFFIX> (the lab's kernel prefix, ≤ 19 characters). A name past
 * iptables' 28 characters keeps the suffix's first word and a hash of the whole suffix, as
 * kube-proxy's KUBE-SVC-<hash> does: SVC-DEFAULT-WEB-HTTP-8080 in lab bridge-lab → NL-bridge-lab-SVC-3OXX0AJ9J4.
 * Throws on a suffix that is not SUFFIX (a planner bug, never user input).
 */
export function chainName(lab: string, suffix: string): string {
  if (!SUFFIX.test(suffix)) throw new Error(`netlab chain suffix "${suffix}" is not upper case from a letter`);
  const base = `NL-${kernelLab(lab)}-`;
  if (base.length + suffix.length <= CHAIN_MAX) return base + suffix;
  const room = CHAIN_MAX - base.length; // ≥ 5: a kernel prefix is at most 19 characters
  const word = suffix.split("-")[0];
  const head = word.length + 1 + 4 <= room ? `${word}-` : "H";
  return base + head + chainHash(suffix).slice(0, room - head.length);
}

/** Upper-case base-36 digits of SHA-256: the same suffix always hashes alike (down finds its chains from the plan alone). */
const chainHash = (s: string) => BigInt(`0x${sha256(s).toString("hex").slice(0, 26)}`).toString(36).toUpperCase().padStart(16, "0");

/**
 * The one parser of netlab's chain names, used by cleanup, drift and `clean`: NL-<prefix>-<SUFFIX>
 * with the prefix in lower case and the suffix upper case from a letter, so the split is the first
 * `-` before a capital. null for any other chain (the built-in ones, other programs').
 */
export function parseChain(name: string): { prefix: string; suffix: string } | null {
  const m = /^NL-([a-z][a-z0-9-]*?)-([A-Z][A-Z0-9-]*)$/.exec(name);
  return m && name.length <= CHAIN_MAX ? { prefix: m[1], suffix: m[2] } : null;
}

/** The lab's chains as a pattern, for messages: NL-<lab>-*. */
export const chainGlob = (lab: string) => `NL-${kernelLab(lab)}-*`;

/** Whether a chain is one of the lab's own. */
export const ownChain = (lab: string) => {
  const prefix = kernelLab(lab);
  return (name: string) => parseChain(name)?.prefix === prefix;
};

/** The owner comment every rule of a lab carries: `netlab:<lab>` on jumps, `netlab:<lab>:<what>` on rules. */
export const tag = (lab: string, what?: string) => `-m comment --comment ${JSON.stringify(what ? `netlab:${lab}:${what}` : `netlab:${lab}`)}`;

/** Whether an iptables-save line carries the lab's tag, on a jump (`netlab:<lab>`) or a rule (`netlab:<lab>:<what>`). */
export const taggedBy = (lab: string, jumpOnly = false) => {
  const re = new RegExp(`--comment "?netlab:${lab.replace(/[-]/g, "\\-")}${jumpOnly ? "" : "(:[^\"]*)?"}"?( |$)`);
  return (line: string) => re.test(line);
};

export type Table = "filter" | "nat" | "mangle" | "raw";

/** Tables in the order a ruleset writes them: raw before conntrack, then filtering, then NAT. */
export const TABLES: readonly Table[] = ["raw", "mangle", "filter", "nat"];

/**
 * An entry point: a jump from a built-in chain into one of the lab's chains (kube-proxy's
 * iptablesJumpChains), tagged `netlab:<lab>`, ensured outside the restore so that loading a
 * ruleset twice never doubles it.
 */
export interface Entry {
  table: Table;
  from: string;
  /** The chain's suffix (NL-<lab>-<to>), or a whole name in a namespace the ruleset owns. */
  to: string;
  match?: string;
  /** First in `from` (-I … 1) rather than last (-A): filter chains, so the lab decides before the host's own rules. */
  insert?: boolean;
}

/** The entry points every ruleset gets for the chains it fills. PREROUTING/OUTPUT into PRE only for local destinations. */
export const JUMPS: readonly Entry[] = [
  { table: "filter", from: "FORWARD", to: "FWD", insert: true },
  { table: "filter", from: "INPUT", to: "IN", insert: true },
  { table: "filter", from: "OUTPUT", to: "OUT", insert: true },
  { table: "nat", from: "POSTROUTING", to: "POST" },
  { table: "nat", from: "PREROUTING", to: "PRE", match: "-m addrtype --dst-type LOCAL" },
  { table: "nat", from: "OUTPUT", to: "PRE", match: "-m addrtype --dst-type LOCAL" },
  // Before conntrack and NAT: Docker 28 drops direct-routed packets to members here.
  { table: "raw", from: "PREROUTING", to: "RAW" },
];
