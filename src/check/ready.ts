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
  // A pod listens on its containerPorts, whatever its command; any other node on one socket per run: command.
  const pods = new Map((lab.kube?.pods ?? []).map((p) => [p.node, p.listens]));
  const listens = (n: Lab["nodes"][number]) => pods.get(n.name) ?? n.run.length;
  const want = lab.nodes.filter((n) => n.run.length && listens(n) > 0);
  const deadline = Date.now() + ms;
  for (;;) {
    const pids = pidsByNetns(want.map((n) => n.ns));
    const pending = want.filter((n) => {
      const first = pids.get(n.ns)![0];
      return first === undefined || listening(first) < listens(n);
    });
    if (!pending.length || Date.now() > deadline) return pending.map((n) => n.name);
    await new Promise((r) => setTimeout(r, 25));
  }
}
