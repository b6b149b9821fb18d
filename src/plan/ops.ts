// The vocabulary of a plan. Each Op is one process (or one file write), renders as the
// exact shell the executor runs, and is plain data so the journal can store undo ops.

/** ns: a namespace name, or null for the lab's host namespace (where netlab was started). */
export type Ns = string | null;

export type Op =
  /**
   * `ip -batch -` in NS: one process for many objects. force: keep going past errors (undo).
   * sysctls (a node's own namespace only): written through /proc/sys by a shell that then
   * becomes `ip`, so a router costs no extra `sysctl` process.
   */
  | { op: "ip"; ns: Ns; lines: string[]; force?: boolean; sysctls?: Record<string, string> }
  /** `iptables-restore --noflush` (or ip6tables-restore) with a whole table's worth of rules. */
  | { op: "iptables"; ns: Ns; family: 4 | 6; text: string }
  /** Remove every rule and chain tagged for this lab from the tables, computed from the live ruleset. */
  | { op: "iptables-clean"; ns: Ns; family: 4 | 6; lab: string }
  /** Set sysctls. restore: in the shared host namespace, through the ledger, which keeps the values before netlab. */
  | { op: "sysctl"; ns: Ns; values: Record<string, string>; restore?: boolean }
  /** `ip route replace` of a route the host already has, after saving the host's own (journaled as route-restore). */
  | { op: "route-override"; ns: Ns; route: string }
  /** Undo of route-override: the lab's route out, the host's own routes back. */
  | { op: "route-restore"; ns: Ns; route: string; saved: string[] }
  /** The lab lets go of its host sysctls; what no lab holds any more goes back to its value before netlab. */
  | { op: "host-release"; ns: Ns; lab: string; sysctls: string[] }
  | { op: "write"; path: string; content: string }
  | { op: "symlink"; path: string; target: string }
  | { op: "rm"; path: string }
  /** A command run to completion inside the namespace; a non-zero exit fails the step. */
  | { op: "exec"; ns: Ns; cmd: string; who: string }
  /** A command left running in the background inside the namespace, output to log. */
  | { op: "spawn"; ns: string; cmd: string; log: string; who: string }
  /** Stop every process inside these namespaces (they are ours, so is everything in them). */
  | { op: "kill-ns"; names: string[] };

export interface Step {
  id: string;
  title: string;
  ops: Op[];
  /** Run in reverse order by rollback and `down`; must succeed when things are already gone. */
  undo: Op[];
}

export interface Phase {
  name: string;
  /** Steps of a concurrent phase touch different namespaces and may run at once. */
  concurrent: boolean;
  steps: Step[];
}

export interface Plan {
  lab: string;
  phases: Phase[];
}

/**
 * The iptables tool for a family: `iptables-restore`, or with NETLAB_IPTABLES=legacy|nft the
 * backend's own (`iptables-legacy-restore`), without touching the machine's alternatives.
 */
export function iptablesTool(family: 4 | 6, what: "" | "-restore" | "-save"): string {
  const backend = process.env.NETLAB_IPTABLES;
  return `${family === 4 ? "iptables" : "ip6tables"}${backend === "legacy" || backend === "nft" ? `-${backend}` : ""}${what}`;
}

export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function heredoc(cmd: string, body: string): string {
  let tag = "EOF";
  while (body.includes(tag)) tag += "_";
  return `${cmd} <<'${tag}'\n${body.endsWith("\n") ? body : body + "\n"}${tag}`;
}

function inNs(ns: Ns, cmd: string): string {
  return ns === null ? cmd : `ip netns exec ${shQuote(ns)} ${cmd}`;
}

/**
 * `ip -n NS` and `ip netns exec` copy the whole mount table into a new mount namespace
 * per call; with 1,000 namespaces mounted that copy dominates. netlab's own tools need
 * only the network namespace, so they enter just that.
 */
export function enterNet(ns: string): string {
  return `nsenter --net=/run/netns/${shQuote(ns)}`;
}

export { procSys } from "../net/sysctl.js";
import { procSys } from "../net/sysctl.js";

/** The `ip -batch -` command line of an ip op, after entering its namespace. */
export function ipBatchArgv(op: Extract<Op, { op: "ip" }>): string[] {
  const ip = ["ip", ...(op.force ? ["-force"] : []), "-batch", "-"];
  if (!op.sysctls || op.ns === null) return ip;
  const writes = Object.entries(op.sysctls).map(([k, v]) => `echo ${shQuote(v)} > ${shQuote(procSys(k))}`);
  return ["sh", "-c", [...writes, `exec ${ip.join(" ")}`].join(" && ")];
}

/** The shell a human would type for this op; --dry-run prints exactly these. */
export function renderOp(op: Op): string {
  switch (op.op) {
    case "ip":
      return heredoc(`${op.ns === null ? "" : `${enterNet(op.ns)} `}${ipBatchArgv(op).map(shQuote).join(" ")}`, op.lines.join("\n"));
    case "iptables":
      return heredoc(`${op.ns === null ? "" : `${enterNet(op.ns)} `}${iptablesTool(op.family, "-restore")} --noflush`, op.text);
    case "route-override":
      return `# the host's own route to this destination is saved first and put back by netlab down\n${renderOp({ op: "ip", ns: op.ns, lines: [`route replace ${op.route}`] })}`;
    case "route-restore":
      return renderOp({ op: "ip", ns: op.ns, force: true, lines: [`route delete ${op.route}`, ...op.saved.map((r) => `route add ${r}`)] });
    case "host-release":
      return `# ${op.lab} lets go of host sysctls ${op.sysctls.join(", ")}; the last lab holding one restores it`;
    case "iptables-clean":
      return `# remove the netlab:${op.lab} rules and NL-${op.lab}-* chains from ${iptablesTool(op.family, "")}${op.ns ? ` in ${op.ns}` : ""}`;
    case "sysctl":
      return `${op.ns === null ? "" : `${enterNet(op.ns)} `}sysctl -q -w ${Object.entries(op.values).map(([k, v]) => shQuote(`${k}=${v}`)).join(" ")}`;
    case "write":
      return `mkdir -p ${shQuote(op.path.replace(/\/[^/]*$/, ""))}\n${heredoc(`cat > ${shQuote(op.path)}`, op.content)}`;
    case "symlink":
      return `mkdir -p ${shQuote(op.path.replace(/\/[^/]*$/, ""))} && ln -sfn ${shQuote(op.target)} ${shQuote(op.path)}`;
    case "rm":
      return `rm -rf ${shQuote(op.path)}`;
    case "exec":
      return inNs(op.ns, `sh -c ${shQuote(op.cmd)}`);
    case "spawn":
      return `mkdir -p ${shQuote(op.log.replace(/\/[^/]*$/, ""))}\n${inNs(op.ns, `setsid sh -c ${shQuote(op.cmd)}`)} >>${shQuote(op.log)} 2>&1 </dev/null &`;
    case "kill-ns":
      return op.names.map((n) => `ip netns pids ${shQuote(n)} | xargs -r kill`).join("\n");
  }
}

/**
 * Text from a lab file as shell comment lines: every line of it commented, control characters
 * shown escaped, so that a multi-line `exec:` or a file name with a newline stays a comment
 * instead of becoming a command the printed script would run where `up` does not.
 */
export function comment(text: string): string {
  return text
    .split(/\r\n|\n|\r/)
    .map((l) => `# ${l.replace(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`)}`)
    .join("\n");
}

export function renderPlan(plan: Plan, header: string, preamble: string[] = []): string {
  const out = ["#!/bin/sh", comment(header), "# Generated by netlab --dry-run: the exact commands `netlab up` runs, in order.", "set -e", ...preamble, ""];
  for (const phase of plan.phases) {
    if (!phase.steps.some((s) => s.ops.length)) continue;
    out.push(`# --- ${phase.name}`);
    for (const step of phase.steps) {
      if (!step.ops.length) continue;
      out.push(comment(step.title));
      for (const op of step.ops) out.push(renderOp(op));
    }
    out.push("");
  }
  return out.join("\n");
}
