// Every node pings every other node's addresses: one fping per source namespace,
// all sources at once, instead of one ping process per pair.
import type { Lab } from "../lab/model.js";
import { pool, run } from "../runtime/proc.js";

export interface PingAll {
  nodes: string[];
  /** matrix[from][to]: how many of `to`'s addresses answered `from`, out of how many. */
  matrix: Record<string, Record<string, { answered: number; of: number; addresses: Record<string, boolean> }>>;
  pairs: number;
  reachable: number;
  ms: number;
}

export async function pingAll(lab: Lab, timeoutMs = 500, concurrency = 64): Promise<PingAll> {
  const t0 = Date.now();
  const nodes = lab.nodes.filter((n) => n.intfs.some((i) => i.addrs.length));
  const addrsOf = new Map(nodes.map((n) => [n.name, n.intfs.flatMap((i) => i.addrs.map((a) => a.split("/")[0]))]));
  const matrix: PingAll["matrix"] = {};
  await pool(nodes, concurrency, async (src) => {
    const targets = nodes.filter((n) => n !== src).flatMap((n) => addrsOf.get(n.name)!);
    const alive = new Set<string>();
    if (targets.length) {
      // -a: print the targets that answered; -r 1: one retry, so a lost first packet (ARP/ND) is not a hole.
      const r = await run(["nsenter", `--net=/run/netns/${src.ns}`, "fping", "-a", "-q", "-r", "1", "-t", String(timeoutMs), "-i", "1", ...targets]);
      for (const l of r.stdout.split("\n")) if (l.trim()) alive.add(l.trim());
    }
    const row: PingAll["matrix"][string] = {};
    for (const dst of nodes) {
      if (dst === src) continue;
      const addresses: Record<string, boolean> = {};
      for (const a of addrsOf.get(dst.name)!) addresses[a] = alive.has(a);
      const answered = Object.values(addresses).filter(Boolean).length;
      row[dst.name] = { answered, of: Object.keys(addresses).length, addresses };
    }
    matrix[src.name] = row;
  });
  let pairs = 0;
  let reachable = 0;
  for (const row of Object.values(matrix))
    for (const cell of Object.values(row)) {
      pairs++;
      if (cell.answered === cell.of) reachable++;
    }
  return { nodes: nodes.map((n) => n.name), matrix, pairs, reachable, ms: Date.now() - t0 };
}
