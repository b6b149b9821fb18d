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
 * Which of the process groups `pgids` live: each the kernel knows (kill(-pgid, 0)) and not made
 * of zombies only (every thread dead). /proc is read once for all of them — `down` of a lab of
 * hundreds of services asks every 25 ms. A group the kernel knows but /proc does not show
 * (hidepid) counts as living.
 */
export function livingGroups(pgids: number[]): Set<number> {
  const known = new Set(pgids.filter((g) => {
    try {
      process.kill(-g, 0);
      return true;
    } catch {
      return false;
    }
  }));
  if (!known.size) return known;
  const members = new Map<number, string[]>();
  for (const p of readdirSync("/proc")) {
    const g = /^\d+$/.test(p) ? stat(`/proc/${p}/stat`)?.pgrp : undefined;
    if (g !== undefined && known.has(g)) (members.get(g) ?? members.set(g, []).get(g)!).push(p);
  }
  return new Set([...known].filter((g) => !members.get(g) || members.get(g)!.some(runs)));
}

/** Whether any process of group `pgid` lives (livingGroups of one). */
export const groupLives = (pgid: number): boolean => livingGroups([pgid]).has(pgid);
