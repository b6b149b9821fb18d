// Putting back what went missing from a lab that is up (drift.ts found it): the affected
// steps of its plan run again. Interfaces are re-made with `ip -force` (what exists stays),
// the nodes whose cable was re-made get their addresses and routes again, the lab's host
// rules are cleaned and loaded again whole, sysctls set again, dead `run` services restarted.
import type { Lab } from "../lab/model.js";
import type { Op, Plan, Step } from "../plan/ops.js";
import { runOp } from "./apply.js";
import type { Context } from "./context.js";
import type { Drift } from "./drift.js";
import { holdTables } from "./shared.js";

export async function repair(lab: Lab, plan: Plan, d: Drift, ctx: Context): Promise<string[]> {
  const steps = plan.phases.flatMap((p) => p.steps);
  const step = (id: string): Step | undefined => steps.find((s) => s.id === id);
  const forced = (op: Op): Op => (op.op === "ip" ? { ...op, force: true } : op);
  const done: string[] = [];
  if (d.links.length) {
    for (const op of step("host-links")?.ops ?? []) await runOp(forced(op), ctx);
    const gone = new Set(d.links);
    for (const n of lab.nodes)
      if (n.intfs.some((i) => "peer" in i && i.peer.node === null && gone.has(i.peer.name)))
        for (const op of step(`node:${n.name}`)?.ops ?? []) if (op.op === "ip") await runOp(forced(op), ctx);
    done.push(`interfaces ${d.links.join(", ")}`);
  }
  const rules = step("host-iptables");
  if (d.rules && rules) {
    for (const op of rules.undo) await runOp(op, ctx);
    await holdTables([rules], ctx);
    for (const op of rules.ops) await runOp(op, ctx);
    done.push("the lab's host iptables rules");
  }
  const sysctls = step("host-sysctls");
  if (d.sysctls && sysctls) {
    for (const op of sysctls.ops) await runOp(op, ctx);
    done.push("host sysctls");
  }
  for (const p of d.runs) {
    const spawn = steps.flatMap((s) => s.ops).find((o) => o.op === "spawn" && o.log === p.log);
    if (spawn) {
      await runOp(spawn, ctx);
      done.push(`run on ${p.who}`);
    }
  }
  return done;
}
