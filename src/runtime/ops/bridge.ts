// `bridge -batch -` in one namespace: forwarding database entries (a VXLAN device's remote
// hosts), one process for all of them.
import type { Op } from "../../plan/ops.js";
import { heredoc } from "../../shell.js";
import { inNs, mustRun } from "../context.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

export const bridge: OpModule<Extract<Op, { op: "bridge" }>> = {
  render: (op) => heredoc(inNsText(op.ns, "bridge -batch -"), op.lines.join("\n")),
  async run(op, ctx) {
    await mustRun(op, inNs(ctx, op.ns, ["bridge", "-batch", "-"]), op.lines.join("\n") + "\n");
  },
  tools: () => ["bridge"],
  shellable: (op) => op.ns !== null,
};
