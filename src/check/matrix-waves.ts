// The order and grouping of a matrix's probes so that the kernel's neighbour table holds them.
// That table (ARP) is one for every namespace of the machine, capped at gc_thresh3 (1,024 by
// default, settable only machine-wide), and the kernel evicts no entry younger than 5 s: a
// 500-pod matrix fired at once would fill it with half-resolved entries and lose probes.
// What a probe costs there (pod IPs, flannel's layout): two pods on one node talk on cni0's
// segment — an entry in each for the other; pods on two nodes go through their gateways — an
// entry in each pod for its gateway and one in each node for its pod (a REJECT on one node makes
// those too). Waves are cut so that the
// entries of a wave stay within the budget; between waves the prober forgets them.

/** A pod as the waves see it: the cluster node it runs on. */
export interface WavePod {
  host: string;
}

/**
 * The neighbour entries probe a→b may make (holder>whom): through the gateways, or — on one node —
 * straight, and through the gateway too when the node REJECTs it (its ICMP answer comes from cni0).
 */
function entries(pods: WavePod[], a: number, b: number): string[] {
  const gateways = [`${a}>gw`, `${pods[a].host}>${a}`, `${b}>gw`, `${pods[b].host}>${b}`];
  return pods[a].host === pods[b].host ? [`${a}>${b}`, `${b}>${a}`, ...gateways] : gateways;
}

/**
 * Every ordered pair of distinct pods whose target `wanted` says, in waves whose neighbour
 * entries stay within `budget`: pods on two nodes by node pair, pods of one node in blocks
 * (block × block), both directions together (b→a reuses a→b's entries).
 */
export function matrixWaves(pods: WavePod[], wanted: (a: number, b: number) => boolean, budget: number): [number, number][][] {
  const hosts = [...new Set(pods.map((p) => p.host))];
  const on = (h: string) => pods.flatMap((p, i) => (p.host === h ? [i] : []));
  const order: [number, number][] = [];
  const both = (a: number, b: number) => {
    if (wanted(a, b)) order.push([a, b]);
    if (wanted(b, a)) order.push([b, a]);
  };
  for (let i = 0; i < hosts.length; i++) for (let j = i + 1; j < hosts.length; j++) for (const a of on(hosts[i])) for (const b of on(hosts[j])) both(a, b);
  const k = Math.max(2, Math.floor(Math.sqrt(budget / 2)));
  for (const h of hosts) {
    const mine = on(h);
    const blocks = Array.from({ length: Math.ceil(mine.length / k) }, (_, i) => mine.slice(i * k, (i + 1) * k));
    for (let i = 0; i < blocks.length; i++)
      for (let j = i; j < blocks.length; j++) for (const a of blocks[i]) for (const b of blocks[j]) if (i !== j || a < b) both(a, b);
  }
  const waves: [number, number][][] = [[]];
  let used = new Set<string>();
  for (const [a, b] of order) {
    const add = entries(pods, a, b).filter((e) => !used.has(e));
    if (used.size + add.length > budget && waves[waves.length - 1].length) {
      waves.push([]);
      used = new Set();
    }
    for (const e of entries(pods, a, b)) used.add(e);
    waves[waves.length - 1].push([a, b]);
  }
  return waves.filter((w) => w.length);
}
