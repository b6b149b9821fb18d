// Whether a process group still runs. kill(-pgid, 0) alone says yes while its processes are
// zombies — dead, waiting for a parent to reap them; an orphan's parent is the machine's init,
// and an init that reaps late (a microVM's) kept `down` waiting two seconds for nothing.
import { readdirSync, readFileSync } from "node:fs";

/** Whether any process of group `pgid` lives (a zombie does not). */
export function groupLives(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      // /proc/PID/stat: pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      /* exited meanwhile */
    }
  }
  return false;
}
