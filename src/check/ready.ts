// Waiting until `run` services listen, without a process per poll: /proc/<pid>/net/*
// shows the sockets of the namespace that <pid> lives in.
import { readFileSync } from "node:fs";
import type { Lab } from "../lab/model.js";
import { pidsByNetns } from "../runtime/netns.js";

function listening(pid: number): number {
  let n = 0;
  for (const f of ["tcp", "tcp6"]) {
    try {
      for (const line of readFileSync(`/proc/${pid}/net/${f}`, "utf8").split("\n").slice(1)) if (line.split(/\s+/)[4] === "0A") n++;
    } catch {
      /* gone */
    }
  }
  for (const f of ["udp", "udp6"]) {
    try {
      n += readFileSync(`/proc/${pid}/net/${f}`, "utf8").split("\n").slice(1).filter((l) => l.trim()).length;
    } catch {
      /* gone */
    }
  }
  return n;
}

/** Waits (at most `ms`) until every node with `run` commands has at least as many listening sockets. Returns the nodes still not ready. */
export async function waitReady(lab: Lab, ms = 10_000): Promise<string[]> {
  const want = lab.nodes.filter((n) => n.run.length);
  const deadline = Date.now() + ms;
  for (;;) {
    const pids = pidsByNetns(want.map((n) => n.ns));
    const pending = want.filter((n) => {
      const first = pids.get(n.ns)![0];
      return first === undefined || listening(first) < n.run.length;
    });
    if (!pending.length || Date.now() > deadline) return pending.map((n) => n.name);
    await new Promise((r) => setTimeout(r, 25));
  }
}
