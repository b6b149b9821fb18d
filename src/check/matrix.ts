// `netlab test LAB --matrix [PORT/PROTO …]`: every pod probes every pod on each port, at once, and
// the truth table the upstream e2e NetworkPolicy tests print comes out — rows from, columns to,
// `.` connected, `X` blocked, `-` nothing serves that port there — beside the table the
// cluster's policies say (kube/policy/verdict.ts); a difference is a failure.
import { UsageError } from "../errors.js";
import type { Lab } from "../lab/model.js";
import { nsLabelsOf, policiesOf, policyPods } from "../kube/policy/ends.js";
import type { PolicyPod } from "../kube/policy/types.js";
import { verdict } from "../kube/policy/verdict.js";
import { readFileSync } from "node:fs";
import { ApplyError } from "../errors.js";
import { run } from "../runtime/proc.js";
import { timing } from "../runtime/timing.js";
import { matrixWaves } from "./matrix-waves.js";
import { neighbourLimit } from "./pingall.js";
import { Prober } from "./prober.js";

export interface Matrix {
  port: number;
  proto: string;
  pods: string[];
  /** [from][to]: ".", "X" or "-". */
  got: string[][];
  want: string[][];
}


/** The ports to probe: those given (80, 80/tcp, 53/udp), else every one some pod serves. */
export function matrixPorts(lab: Lab, given: string[]): { port: number; proto: string }[] {
  if (given.length)
    return given.map((g) => {
      const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(g);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new UsageError(`"${g}" is not PORT[/PROTO]: a port 1-65535, tcp or udp (SCTP is not probed)`, "e.g. --matrix 80/tcp 53/udp");
      return { port: Number(m[1]), proto: (m[2] ?? "tcp").toUpperCase() };
    });
  const seen = new Map(policyPods(lab).filter((p) => p.ns !== "kube-system").flatMap((p) => p.ports).filter((x) => x.protocol !== "SCTP").map((x) => [`${x.port}/${x.protocol}`, { port: x.port, proto: x.protocol }]));
  return [...seen.values()].sort((a, b) => a.port - b.port);
}

/** Probes every pair (kube-system's pods left out) on each port; `enter` gives a pod's argv prefix. */
export async function probeMatrix(lab: Lab, ports: { port: number; proto: string }[], enter: (node: string) => string[]): Promise<Matrix[]> {
  const pods = policyPods(lab).filter((p) => p.ns !== "kube-system");
  const policies = policiesOf(lab);
  const ns = nsLabelsOf(lab);
  const out: Matrix[] = [];
  for (const { port, proto } of ports) {
    const serves = (p: PolicyPod) => p.ports.some((x) => x.port === port && x.protocol === proto);
    const rows = await probePairs(lab, pods, port, proto, enter, serves);
    const want = pods.map((a) => pods.map((b) => (!serves(b) ? "-" : b === a ? "." : verdict(policies, ns, a, b, port, proto).allowed ? "." : "X")));
    out.push({ port, proto, pods: pods.map((p) => p.node), got: rows, want });
  }
  return out;
}

/**
 * Every pod probes every other (those `serves` says listen) on port/proto. TCP: a prober per pod
 * (check/prober.ts), in waves the kernel's neighbour table holds (check/matrix-waves.ts), each
 * wave's entries forgotten before the next. UDP: one shell per source, each probing every target
 * at once with nc. [from][to]: "." connected, "X" not, "-" not probed.
 */
export async function probePairs(lab: Lab, pods: PolicyPod[], port: number, proto: string, enter: (node: string) => string[], serves: (p: PolicyPod) => boolean = () => true): Promise<string[][]> {
  // One matrix at a time in this process (a lab's matrix checks run together): each sizes its waves to what the table has free.
  const turn = queue.then(() => (proto === "UDP" ? probeUdp(pods, port, enter, serves) : probeTcp(lab, pods, port, enter, serves)));
  queue = turn.then(() => undefined, () => undefined);
  return turn;
}
let queue: Promise<void> = Promise.resolve();

async function probeTcp(lab: Lab, pods: PolicyPod[], port: number, enter: (node: string) => string[], serves: (p: PolicyPod) => boolean): Promise<string[][]> {
  const hostOf = new Map((lab.kube?.pods ?? []).map((p) => [p.node, p.on]));
  const waves = matrixWaves(pods.map((p) => ({ host: hostOf.get(p.node) ?? "" })), (a, b) => a !== b && serves(pods[b]), neighbourBudget());
  const got = pods.map((a, i) => pods.map((b, j) => (!serves(b) ? "-" : i === j ? "." : "X")));
  const probers = new Map<number, Prober>();
  const prober = (i: number) => probers.get(i) ?? probers.set(i, new Prober(enter(pods[i].node), pods[i].node)).get(i)!;
  try {
    for (const wave of waves) {
      const bySource = new Map<number, [number, number][]>();
      for (const pair of wave) bySource.get(pair[0])?.push(pair) ?? bySource.set(pair[0], [pair]);
      // In requests of CHUNK, at most LANES at once: every SYN crosses veths, whose packets wait in
      // one queue per CPU (netdev_max_backlog, 1,000); a burst past it is dropped and retried a second later.
      const requests = [...bySource].flatMap(([a, pairs]) => Array.from({ length: Math.ceil(pairs.length / CHUNK) }, (_, i) => [a, pairs.slice(i * CHUNK, (i + 1) * CHUNK)] as const));
      await lanes(requests, LANES, async ([a, pairs]) => {
        const cells = await prober(a).probe(port, pairs.map(([, b]) => pods[b].ip));
        for (const [, b] of pairs) got[a][b] = cells.get(pods[b].ip) ?? "X";
      });
      timing(`matrix wave of ${wave.length} probes: probed`);
      if (waves.length === 1) break;
      // Forgotten: the pods' entries, and the nodes' for their pods (what crossing nodes made).
      const involved = new Set(wave.flat());
      const hosts = new Set([...involved].map((i) => hostOf.get(pods[i].node)!));
      await Promise.all([...[...involved].map((i) => prober(i).flush()), ...[...hosts].map((h) => run([...enter(h), "ip", "neigh", "flush", "all"]))]);
      timing("matrix wave: neighbours forgotten");
    }
  } finally {
    for (const p of probers.values()) p.close();
  }
  return got;
}

const CHUNK = 32;
const LANES = 8;

/** Runs `fn` on every item, at most `n` at once, one prober per source at a time (its requests queue). */
async function lanes<T extends readonly [number, unknown]>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const busy = new Set<number>();
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = queue.findIndex(([a]) => !busy.has(a));
      if (i < 0) return;
      const [item] = queue.splice(i, 1);
      busy.add(item[0]);
      await fn(item);
      busy.delete(item[0]);
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
}

/** The neighbour entries a matrix may make: three quarters of the table, less what it holds already (other labs, the host). */
function neighbourBudget(): number {
  const limit = neighbourLimit();
  let used = 0;
  try {
    // /proc/net/stat/arp_cache: a header, then a row per CPU whose first column is the table's entries (hex), the same in each.
    used = parseInt(readFileSync("/proc/net/stat/arp_cache", "utf8").split("\n")[1]?.split(/\s+/)[0] ?? "0", 16) || 0;
  } catch {
    /* not readable: the share alone */
  }
  return Math.max(64, Math.min(Math.floor(limit * 0.75), Math.floor(limit * 0.9) - used));
}

/**
 * UDP: one shell per source probing every target at once with nc (a datagram answered is ".", as
 * netlab serve udp answers it), eight sources at a time: a process per probe, fine for a workshop's
 * cluster, not for hundreds of pods (TCP's prober is for those).
 */
async function probeUdp(pods: PolicyPod[], port: number, enter: (node: string) => string[], serves: (p: PolicyPod) => boolean): Promise<string[][]> {
  const probe = (ip: string) => `(echo x | nc -u -w 1 ${ip} ${port} | grep -q . && echo "${ip} ." || echo "${ip} X") &`;
  const rows: string[][] = [];
  await lanes(pods.map((a, i) => [i, a] as const), LANES, async ([i, a]) => {
    const targets = pods.filter((b) => b !== a && serves(b));
    const r = await run([...enter(a.node), "sh", "-c", `${targets.map((b) => probe(b.ip)).join(" ")} wait`]);
    const seen = new Map(r.stdout.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
    rows[i] = pods.map((b) => (!serves(b) ? "-" : b === a ? "." : (seen.get(b.ip) ?? "X")));
  });
  return rows;
}

/** A matrix check: the pods it lists probe each other; the cells not "-" compared with its table. */
export async function matrixCheck(lab: Lab, m: { pods: string[]; expect: string[][]; port: number; proto: string }): Promise<{ outcome: "pass" | "fail"; detail: string }> {
  const all = policyPods(lab);
  const pods = m.pods.map((n) => all.find((p) => p.node === n || `${p.ns}/${p.name}` === n)!).filter(Boolean);
  if (pods.length !== m.pods.length) return { outcome: "fail", detail: `not every pod listed is up: ${m.pods.filter((n) => !pods.some((p) => p.node === n)).join(", ")}` };
  const ns = new Map(lab.nodes.map((n) => [n.name, n.ns]));
  let got: string[][];
  try {
    got = await probePairs(lab, pods, m.port, m.proto, (node) => ["ip", "netns", "exec", ns.get(node)!]);
  } catch (e) {
    if (e instanceof ApplyError) return { outcome: "fail", detail: `${e.message}: ${e.stderr}` };
    throw e;
  }
  const off = m.expect.flatMap((row, i) => row.flatMap((want, j) => (want === "-" || i === j || got[i][j] === want ? [] : [`${m.pods[i]} → ${m.pods[j]}: expected ${want}, got ${got[i][j]}`])));
  const cells = m.expect.flat().filter((x, k) => x !== "-" && k % (m.pods.length + 1) !== 0).length;
  return off.length ? { outcome: "fail", detail: `${off.length} of ${cells} cells differ: ${off.join("; ")}` } : { outcome: "pass", detail: `all ${cells} cells as expected` };
}

/** The table as text: a header of the pods (to), a row per pod (from); a cell that differs from `want` in brackets. */
export function renderMatrix(m: Matrix): string {
  const label = `${m.port}/${m.proto}`;
  const w = Math.max(...m.pods.map((p) => p.length), label.length);
  const cell = (i: number, j: number) => (m.got[i][j] === m.want[i][j] ? ` ${m.got[i][j]} ` : `[${m.got[i][j]}]`);
  const head = `${label.padEnd(w)} ${m.pods.map((_, j) => String(j + 1).padStart(2).padEnd(3)).join("")}`;
  const rows = m.pods.map((p, i) => `${p.padEnd(w)} ${m.pods.map((_, j) => cell(i, j)).join("")}`);
  const key = m.pods.map((p, j) => `${j + 1} ${p}`).join(", ");
  return [head, ...rows, `columns (to): ${key}`].map((l) => l.trimEnd()).join("\n");
}

/** The cells that differ: "from → to: the policies say X, the probe got .". */
export function differences(m: Matrix): string[] {
  return m.got.flatMap((row, i) => row.flatMap((g, j) => (g === m.want[i][j] ? [] : [`${m.pods[i]} → ${m.pods[j]} ${m.port}/${m.proto}: the policies say ${m.want[i][j]}, the probe got ${g}`])));
}
