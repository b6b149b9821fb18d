// `ip -batch -` in one namespace: one process for many objects.
import type { Op } from "../../plan/ops.js";
import { procSys } from "../../net/sysctl.js";
import { heredoc, shQuote } from "../../shell.js";
import { inNs, OpFailure } from "../context.js";
import { outerMountWrap } from "../netns.js";
import { run } from "../proc.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

type IpOp = Extract<Op, { op: "ip" }>;

/** The `ip -batch -` command line after entering the namespace (a router's forwarding written by the shell that becomes ip). */
export function ipBatchArgv(op: IpOp): string[] {
  const ip = ["ip", ...(op.force ? ["-force"] : []), "-batch", "-"];
  if (!op.sysctls || op.ns === null) return ip;
  const writes = Object.entries(op.sysctls).map(([k, v]) => `echo ${shQuote(v)} > ${shQuote(procSys(k))}`);
  return ["sh", "-c", [...writes, `exec ${ip.join(" ")}`].join(" && ")];
}

export const ip: OpModule<IpOp> = {
  render: (op) => heredoc(inNsText(op.ns, ipBatchArgv(op).map(shQuote).join(" ")), op.lines.join("\n")),
  async run(op, ctx) {
    const netnsOnly = op.lines.every((l) => l.startsWith("netns "));
    const base = ipBatchArgv(op);
    // `netns add` mounts: made where they outlive us (see outerMountWrap).
    const argv = netnsOnly ? [...outerMountWrap(), ...base] : inNs(ctx, op.ns, base);
    const r = await run(argv, op.lines.join("\n") + "\n");
    if (r.code !== 0 && !op.force) {
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
