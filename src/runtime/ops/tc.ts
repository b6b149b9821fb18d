// `tc -batch -` in one namespace: the lab's link impairments (root qdiscs), one process for
// all of a namespace's interfaces. They go with their interfaces, so they need no undo.
import type { Op } from "../../plan/ops.js";
import { heredoc } from "../../shell.js";
import { inNs, mustRun } from "../context.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

export const tc: OpModule<Extract<Op, { op: "tc" }>> = {
  render: (op) => heredoc(inNsText(op.ns, "tc -batch -"), op.lines.join("\n")),
  async run(op, ctx) {
    await mustRun(op, inNs(ctx, op.ns, ["tc", "-batch", "-"]), op.lines.join("\n") + "\n");
  },
  tools: () => ["tc"],
  shellable: (op) => op.ns !== null,
};
