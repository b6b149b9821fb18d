// Undo of a namespace's rules that netlab does not own: the lab's rules and chains, computed
// from the live ruleset, and the tables only netlab's rules brought into being (ledger).
import { chainGlob } from "../../net/netfilter.js";
import type { Op } from "../../plan/ops.js";
import { cleanIptables } from "../shared.js";
import { iptablesTool } from "../tools.js";
import type { OpModule } from "./op.js";

export const iptablesClean: OpModule<Extract<Op, { op: "iptables-clean" }>> = {
  render: (op) => `# remove the netlab:${op.lab} rules and ${chainGlob(op.lab)} chains from ${iptablesTool(op.family, "")}${op.ns ? ` in ${op.ns}` : ""}`,
  run: cleanIptables,
  tools: (op) => [iptablesTool(op.family, "-save"), iptablesTool(op.family, "-restore")],
  hostless: true,
};
