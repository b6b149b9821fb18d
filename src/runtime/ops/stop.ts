// Stop one `run:` service of a lab that stays up (apply changed or dropped its command): the
// process group the journal recorded for its log, if it is still the lab's — SIGTERM, a grace
// period, then SIGKILL — as `down` stops a namespace's processes.
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import { runningProcs } from "../drift.js";
import { groupLives } from "../groups.js";
import type { OpModule } from "./op.js";


export async function stopGroup(pgid: number, graceMs = 2000): Promise<void> {
  const signal = (s: NodeJS.Signals) => { try { process.kill(-pgid, s); } catch { /* gone */ } };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (groupLives(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (!groupLives(pgid)) return;
  signal("SIGKILL");
  for (let i = 0; i < 40 && groupLives(pgid); i++) await new Promise((r) => setTimeout(r, 25));
}

export const stop: OpModule<Extract<Op, { op: "stop" }>> = {
  // The pid is known only when it runs (the journal's): said, not guessed.
  render: (op) => `# stop ${op.who}'s run: service (SIGTERM to the process group netlab journaled for ${shQuote(op.log)})`,
  async run(op, ctx) {
    // The newest process journaled for this log, if it is still the lab's (pids are reused).
    const live = runningProcs(ctx.state?.journal() ?? []).filter((p) => p.log === op.log).pop();
    if (live) await stopGroup(live.pid);
  },
  tools: () => [],
};
