// Every node pings every other node's addresses: one fping per source namespace,
// all sources at once, instead of one ping process per pair.
import { readFileSync } from "node:fs";
import type { Lab } from "../lab/model.js";
import { enterNet } from "../runtime/tools.js";
import { SHELL_WORKERS, shellMany } from "../runtime/proc.js";

export interface PingAll {
  nodes: string[];
  /** matrix[from][to]: how many of `to`'s addresses answered `from`, out of how many. */
  matrix: Record<string, Record<string, { answered: number; of: number; addresses: Record<string, boolean> }>>;
  pairs: number;
  reachable: number;
  ms: number;
}

/**
 * The kernel keeps one neighbour (ARP/NDP) table for all namespaces, capped at gc_thresh3
 * (1,024 by default, settable only machine-wide), and does not evict an entry younger than
 * 5 s. Each pair of nodes on a segment costs two entries (the target learns the sender from
 * its ARP request), so a 100-node matrix needs 9,900 — far more than fit at once. Firing
 * them all together fills the table with half-resolved entries and makes little progress.
 * Instead: waves of unordered pairs {a, b} sized to the table, a→b then b→a (which reuses
 * the entries a→b made). Waiting for the kernel to evict is slow (a used entry is re-confirmed
 * seconds later, which makes it young again), so between waves the lab's own nodes forget
 * their neighbours (`ip neigh flush all`, what the kernel re-learns on the next packet).
 * A small lab is a single wave and nothing is flushed.
 */

/** The kernel's neighbour table cap (gc_thresh3), machine-wide. */
export function neighbourLimit(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/neigh/default/gc_thresh3", "utf8").trim()) || 1024;
  } catch {
    return 1024; // not visible inside a namespace: the kernel's default
  }
}

export async function pingAll(lab: Lab, opts: { timeoutMs?: number; concurrency?: number; onWave?: (wave: number, waves: number) => void } = {}): Promise<PingAll & { waves: number }> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 500;
  // The lab's nodes, not its virtual hosts: those are the machines, on the underlay only.
  const nodes = lab.nodes.filter((n) => !n.vhost && n.intfs.some((i) => i.addrs.length));
  const addrsOf = new Map(nodes.map((n) => [n.name, n.intfs.flatMap((i) => i.addrs.map((a) => a.split("/")[0]))]));
  const alive = new Map(nodes.map((n) => [n.name, new Set<string>()]));

  // Waves of unordered pairs; a pair's cost is the entries it creates on both sides.
  const budget = Math.max(8, Math.floor(neighbourLimit() * 0.8));
  const waves: [number, number][][] = [[]];
  let used = 0;
  for (let a = 0; a < nodes.length; a++)
    for (let b = a + 1; b < nodes.length; b++) {
      const cost = addrsOf.get(nodes[a].name)!.length + addrsOf.get(nodes[b].name)!.length;
      if (used + cost > budget && waves[waves.length - 1].length) {
        waves.push([]);
        used = 0;
      }
      waves[waves.length - 1].push([a, b]);
      used += cost;
    }

  // One fping per source, and between waves one flush per node: hundreds of short commands per
  // wave, so they go through sh workers rather than one Node spawn each.
  const workers = opts.concurrency ?? SHELL_WORKERS * 4; // fping mostly waits on the network
  const ping = async (targets: Map<number, number[]>) => {
    const sources = [...targets.entries()];
    // -a: print the targets that answered; -r 1: one retry, so a first packet lost to ARP is not a hole.
    const { out: outs } = await shellMany(
      sources.map(([src, dsts]) => `${enterNet(nodes[src].ns)} fping -a -q -r 1 -t ${timeoutMs} -i 1 ${dsts.flatMap((d) => addrsOf.get(nodes[d].name)!).join(" ")} 2>/dev/null`),
      workers,
    );
    sources.forEach(([src], k) => {
      for (const l of outs[k].split("\n")) if (l.trim()) alive.get(nodes[src].name)!.add(l.trim());
    });
  };
  const forget = () => shellMany(nodes.map((n) => `${enterNet(n.ns)} ip neigh flush all`), SHELL_WORKERS);
  if (waves.length > 1) await forget(); // start from an empty table: old entries are young for seconds
  for (let w = 0; w < waves.length; w++) {
    if (waves.length > 1) opts.onWave?.(w + 1, waves.length);
    const forward = new Map<number, number[]>();
    const reverse = new Map<number, number[]>();
    for (const [a, b] of waves[w]) {
      forward.set(a, [...(forward.get(a) ?? []), b]);
      reverse.set(b, [...(reverse.get(b) ?? []), a]);
    }
    await ping(forward);
    await ping(reverse);
    if (w < waves.length - 1) await forget();
  }

  const matrix: PingAll["matrix"] = {};
  let pairs = 0;
  let reachable = 0;
  for (const src of nodes) {
    const row: PingAll["matrix"][string] = {};
    for (const dst of nodes) {
      if (dst === src) continue;
      const addresses: Record<string, boolean> = {};
      for (const a of addrsOf.get(dst.name)!) addresses[a] = alive.get(src.name)!.has(a);
      const answered = Object.values(addresses).filter(Boolean).length;
      row[dst.name] = { answered, of: Object.keys(addresses).length, addresses };
      pairs++;
      if (answered === row[dst.name].of) reachable++;
    }
    matrix[src.name] = row;
  }
  return { nodes: nodes.map((n) => n.name), matrix, pairs, reachable, ms: Date.now() - t0, waves: waves.length };
}
