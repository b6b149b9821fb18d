// A lab's `exec:` command, run to completion inside its namespace with `ip netns exec` (which
// mounts the node's /etc/netns files); a non-zero exit fails the step.
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import { inNsForUser, OpFailure } from "../context.js";
import { run } from "../proc.js";
import type { OpModule } from "./op.js";

export const userNs = (ns: string | null, cmd: string) => (ns === null ? cmd : `ip netns exec ${shQuote(ns)} ${cmd}`);

export const exec: OpModule<Extract<Op, { op: "exec" }>> = {
  render: (op) => userNs(op.ns, `sh -c ${shQuote(op.cmd)}`),
  async run(op, ctx) {
    const r = await run(inNsForUser(ctx, op.ns, ["sh", "-c", op.cmd]), undefined, { ...ctx.env, NETLAB_NODE: op.who });
    if (r.code !== 0) throw new OpFailure(`exec on ${op.who}: ${op.cmd}`, (r.stderr || r.stdout).trim() || `exit status ${r.code}`, op);
  },
  tools: () => ["sh"],
};
