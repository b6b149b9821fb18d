// A ruleset into one namespace: `iptables-restore --noflush` (or ip6tables) of its chains and
// rules, its entry points ensured (kube-proxy's EnsureRule, never a second copy), and with an
// owner the owner's chains it no longer declares removed — one iptables-save and one restore.
import type { IptablesJump, Op } from "../../plan/ops.js";
import { heredoc } from "../../shell.js";
import { inNs, mustRun } from "../context.js";
import { syncScript } from "../iptables-live.js";
import { run } from "../proc.js";
import { inNsText, iptablesTool } from "../tools.js";
import type { OpModule } from "./op.js";

type IptablesOp = Extract<Op, { op: "iptables" }>;

/** What a human types for one entry point: add it unless it is there (`-C`). A fresh namespace has no stale chains to sync away. */
const ensure = (op: IptablesOp, j: IptablesJump) => {
  const tool = `${iptablesTool(op.family, "")} -t ${j.table}`;
  return inNsText(op.ns, `${tool} -C ${j.chain} ${j.spec} 2>/dev/null || ${inNsText(op.ns, `${tool} ${j.insert ? `-I ${j.chain} 1` : `-A ${j.chain}`} ${j.spec}`)}`);
};

export const iptables: OpModule<IptablesOp> = {
  render: (op) => [heredoc(inNsText(op.ns, `${iptablesTool(op.family, "-restore")} --noflush`), op.text), ...(op.jumps ?? []).map((j) => ensure(op, j))].join("\n"),
  async run(op, ctx) {
    let text = op.text + "\n";
    if (op.jumps?.length || op.owner) {
      const held = op.ns === null ? ctx.saved?.get(op.family) : undefined;
      ctx.saved?.delete(op.family); // a load changes it: the next one saves anew
      const saved = held !== undefined ? { code: 0, stdout: held } : await run(inNs(ctx, op.ns, [iptablesTool(op.family, "-save")]));
      // No ruleset yet at all (a fresh namespace's tables may not exist): nothing to keep or remove.
      text = syncScript(saved.code === 0 ? saved.stdout : "", op.text, op.jumps ?? [], op.owner);
    }
    const restore = inNs(ctx, op.ns, [iptablesTool(op.family, "-restore"), "--noflush"]);
    if (!op.whole) return void (await mustRun(op, restore, text));
    const r = await run(restore, text);
    if (r.code !== 0) await mustRun(op, restore, op.whole + "\n");
  },
  tools: (op) => [iptablesTool(op.family, "-restore"), ...(op.jumps?.length || op.owner ? [iptablesTool(op.family, "-save")] : [])],
  shellable: (op) => op.ns !== null,
};
