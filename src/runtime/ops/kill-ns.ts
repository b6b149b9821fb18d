// Stop every process inside the lab's namespaces before they go (they are ours, and so is
// everything in them): SIGTERM, a grace period, then SIGKILL.
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import { pidsInNetns } from "../netns.js";
import type { OpModule } from "./op.js";

export async function killNamespaces(names: string[], graceMs = 2000): Promise<void> {
  let pids = pidsInNetns(names);
  if (!pids.length) return;
  for (const p of pids) try { process.kill(p, "SIGTERM"); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    pids = pidsInNetns(names);
    if (!pids.length) return;
  }
  for (const p of pids) try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
  for (let i = 0; i < 40 && pidsInNetns(names).length; i++) await new Promise((r) => setTimeout(r, 25));
}

export const killNs: OpModule<Extract<Op, { op: "kill-ns" }>> = {
  render: (op) => op.names.map((n) => `ip netns pids ${shQuote(n)} | xargs -r kill`).join("\n"),
  run: (op) => killNamespaces(op.names),
  tools: () => [],
};
