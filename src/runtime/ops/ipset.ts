// ipsets in a namespace, made with one `ipset restore` (kube-proxy and kube-router keep pod and
// service addresses in sets; rules match a whole set at once). Undo: ipset-destroy.
import type { Op } from "../../plan/ops.js";
import { heredoc, shQuote } from "../../shell.js";
import { inNs, mustRun } from "../context.js";
import { run } from "../proc.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

export const ipset: OpModule<Extract<Op, { op: "ipset" }>> = {
  render: (op) => heredoc(inNsText(op.ns, "ipset restore -exist"), op.lines.join("\n")),
  async run(op, ctx) {
    await mustRun(op, inNs(ctx, op.ns, ["ipset", "restore", "-exist"]), op.lines.join("\n") + "\n");
  },
  tools: () => ["ipset"],
  shellable: (op) => op.ns !== null,
};

export const ipsetDestroy: OpModule<Extract<Op, { op: "ipset-destroy" }>> = {
  render: (op) => op.sets.map((s) => inNsText(op.ns, `ipset destroy ${shQuote(s)} 2>/dev/null || true`)).join("\n"),
  async run(op, ctx) {
    // Best effort, as every undo: a set that is already gone is what we wanted.
    for (const s of op.sets) await run(inNs(ctx, op.ns, ["ipset", "destroy", s]));
  },
  tools: () => ["ipset"],
};
