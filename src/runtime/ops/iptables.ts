// `iptables-restore --noflush` (or ip6tables) with a whole table's worth of rules, in one namespace.
import type { Op } from "../../plan/ops.js";
import { heredoc } from "../../shell.js";
import { inNs, mustRun } from "../context.js";
import { inNsText, iptablesTool } from "../tools.js";
import type { OpModule } from "./op.js";

export const iptables: OpModule<Extract<Op, { op: "iptables" }>> = {
  render: (op) => heredoc(inNsText(op.ns, `${iptablesTool(op.family, "-restore")} --noflush`), op.text),
  async run(op, ctx) {
    await mustRun(op, inNs(ctx, op.ns, [iptablesTool(op.family, "-restore"), "--noflush"]), op.text + "\n");
  },
  tools: (op) => [iptablesTool(op.family, "-restore")],
  shellable: (op) => op.ns !== null,
};
