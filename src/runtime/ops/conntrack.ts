// Forgetting connections whose translation changed (conntrack(8), from conntrack-tools). The
// kernel keeps a flow's NAT decision in its conntrack entry for as long as the flow lives, so
// rules added or removed later do not apply to it: a UDP stream to a port that is published
// afterwards never reaches the node; one DNATed to a lab keeps going to an address that is gone.
// Docker deletes a published UDP port's entries when it publishes it (portmapper), kube-proxy
// a Service's UDP entries when its endpoints change; netlab does the same, and on `down` the
// entries that lead into or out of the lab. Best effort: no entry is what we wanted.
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import { inNs } from "../context.js";
import { pool, run } from "../proc.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

type ConntrackOp = Extract<Op, { op: "conntrack" }>;

export const conntrack: OpModule<ConntrackOp> = {
  render: (op) => op.deletes.map((d) => `${inNsText(op.ns, `conntrack -D ${d.map(shQuote).join(" ")}`)} >/dev/null 2>&1 || true`).join("\n"),
  async run(op, ctx) {
    await pool(op.deletes, 4, (d) => run(inNs(ctx, op.ns, ["conntrack", "-D", ...d])));
  },
  tools: () => ["conntrack"],
  shellable: (op) => op.ns !== null,
};
