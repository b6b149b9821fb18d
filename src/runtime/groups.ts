// Whether a process group still runs. kill(-pgid, 0) alone says yes while its processes are
// zombies — dead, waiting for a parent to reap them; an orphan's parent is the machine's init,
// and an init that reaps late (a microVM's) kept `down` waiting two seconds for nothing.
import { readdirSync, readFileSync } from "node:fs";

/** State and process group of a /proc stat line ("pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses). */
function stat(path: string): { state: string; pgrp: number } | null {
  try {
    const s = readFileSync(path, "utf8");
    const [state, , pgrp] = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state, pgrp: Number(pgrp) };
  } catch {
    return null; // exited meanwhile
  }
}

/** Whether a process runs: not a zombie, or a zombie leader whose other threads still run. */
function runs(pid: string): boolean {
  if (stat(`/proc/${pid}/stat`)?.state !== "Z") return true;
  try {
    return readdirSync(`/proc/${pid}/task`).some((t) => (stat(`/proc/${pid}/task/${t}/stat`)?.state ?? "Z") !== "Z");
  } catch {
    return false;
  }
}

/**
 * Whether any process of group `pgid` lives: only zombies (every thread dead) do not. A group
 * the kernel knows but /proc does not show (hidepid) counts as living.
 */
export function groupLives(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  const members = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && stat(`/proc/${p}/stat`)?.pgrp === pgid);
  return members.length === 0 || members.some(runs);
}
