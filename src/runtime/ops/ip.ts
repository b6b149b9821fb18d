// `ip -batch -` in one namespace: one process for many objects.
import type { Op } from "../../plan/ops.js";
import { procSys, sysctlDevice } from "../../net/sysctl.js";
import { heredoc, shQuote } from "../../shell.js";
import { inNs, OpFailure } from "../context.js";
import { outerMountWrap } from "../netns.js";
import { run } from "../proc.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

type IpOp = Extract<Op, { op: "ip" }>;

/** Devices an ip batch makes in its own namespace. */
export function madeBy(lines: string[]): Set<string> {
  const names = new Set<string>();
  for (const l of lines) {
    const m = /^link add (?:link \S+ name )?(\S+)(.*)$/.exec(l);
    if (!m) continue;
    names.add(m[1]);
    const peer = /\bpeer name (\S+)(\s+netns\b)?/.exec(m[2]);
    if (peer && !peer[2]) names.add(peer[1]);
  }
  return names;
}

/**
 * The `ip -batch -` command line after entering the namespace (a router's forwarding written by
 * the shell that becomes ip). A setting of a device the batch itself makes (route_localnet of a
 * bridge a virtual host holds, IPv6 on for the lab's bridge in the host) exists only once the batch has run: written after it.
 */
export function ipBatchArgv(op: IpOp): string[] {
  const ip = ["ip", ...(op.force ? ["-force"] : []), "-batch", "-"];
  if (!op.sysctls) return ip;
  const made = madeBy(op.lines);
  const write = ([k, v]: [string, string]) => `echo ${shQuote(v)} > ${shQuote(procSys(k))}`;
  const entries = Object.entries(op.sysctls);
  const later = (k: string) => made.has(sysctlDevice(k) ?? "");
  // In the shared host only settings of devices the batch makes (they go with them): any other is the host's, kept in its ledger (host-sysctls).
  if (op.ns === null && !entries.every(([k]) => later(k))) throw new Error(`a host batch may set only its own devices' sysctls: ${Object.keys(op.sysctls).join(", ")}`);
  // Run again (-force, a repair), the devices are there already: their settings (IPv6 turned on
  // again before its addresses are added) are written before the batch too, failing harmlessly where one is not.
  const before = entries.filter(([k]) => op.force || !later(k)).map(write);
  const after = entries.filter(([k]) => later(k)).map(write);
  // -force (repair): each part on its own, so that what exists already does not stop the rest.
  const and = op.force ? " ; " : " && ";
  return ["sh", "-c", [...before, after.length ? ip.join(" ") : `exec ${ip.join(" ")}`, ...after].join(and)];
}

export const ip: OpModule<IpOp> = {
  render: (op) => heredoc(inNsText(op.ns, ipBatchArgv(op).map(shQuote).join(" ")), op.lines.join("\n")),
  async run(op, ctx) {
    const netnsOnly = op.lines.every((l) => l.startsWith("netns "));
    const base = ipBatchArgv(op);
    // `netns add` mounts: made where they outlive us (see outerMountWrap).
    const argv = netnsOnly ? [...outerMountWrap(), ...base] : inNs(ctx, op.ns, base);
    const r = await run(argv, op.lines.join("\n") + "\n");
    // force "report": every line tried, past errors, and a failure still reported (apply's changes).
    if (r.code !== 0 && op.force !== true) {
      const line = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
      const failed = line ? op.lines[line - 1] : undefined;
      const msg = r.stderr.replace(/Command failed -:\d+\s*/g, "").trim();
      throw new OpFailure(failed ? `ip${op.ns ? ` -n ${op.ns}` : ""} ${failed}` : argv.join(" "), msg || `exit status ${r.code}`, op);
    }
  },
  tools: () => ["ip"],
  shellable: (op) => op.ns !== null && !op.force,
};

/** Whether an ip op only makes or removes namespaces (it runs even when the host namespace is gone). */
export const onlyNetns = (op: IpOp) => op.lines.every((l) => l.startsWith("netns "));
