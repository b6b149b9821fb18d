// Sysctls in a namespace; in the shared host namespace (restore) through the ledger.
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import { holdSysctls, writeSysctls } from "../shared.js";
import { inNsText } from "../tools.js";
import type { OpModule } from "./op.js";

export const sysctl: OpModule<Extract<Op, { op: "sysctl" }>> = {
  render: (op) => inNsText(op.ns, `sysctl -q -w ${Object.entries(op.values).map(([k, v]) => shQuote(`${k}=${v}`)).join(" ")}`),
  run: (op, ctx) => (op.restore ? holdSysctls(op, ctx) : writeSysctls(ctx, op, op.ns, op.values)),
  tools: (op) => (op.ns !== null ? ["sysctl"] : []),
  shellable: (op) => op.ns !== null && !op.restore,
};
