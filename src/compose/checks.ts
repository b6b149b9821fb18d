// The checks of a Compose file without `x-netlab: { checks }`: what Docker promises. Services on
// a network reach each other by name; published ports answer on the host; a service's ports
// answer a peer on its network. Every pair while there are at most MAX_PAIRS of them, else a ring
// on each network (each member reaches the next), which still touches every service and every
// network — and the note says which.
import type { ServiceInfo } from "./services.js";
import type { Obj, Report } from "./report.js";

export const MAX_PAIRS = 50;
/** Published ports checked per service: a range of 100 ports is checked by its first ones. */
const MAX_PORT_CHECKS = 5;

export function defaultChecks(nodes: Obj, nets: Obj, info: ServiceInfo[], r: Report): Obj[] {
  const on = (n: string) => Object.keys(((nodes[n] as Obj).networks ?? {}) as Obj).filter((x) => (nets[x] as Obj | undefined)?.dns !== false);
  const names = Object.keys(nodes);
  const members = new Map<string, string[]>();
  for (const n of names) for (const net of on(n)) (members.get(net) ?? members.set(net, []).get(net)!).push(n);
  const all: [string, string][] = [];
  for (const a of names) for (const b of names) if (a !== b && on(a).some((x) => on(b).includes(x))) all.push([a, b]);
  let pairs = all;
  if (all.length > MAX_PAIRS) {
    const ring = new Set<string>();
    for (const m of members.values()) if (m.length > 1) m.forEach((a, i) => ring.add(`${a}\0${m[(i + 1) % m.length]}`));
    pairs = all.filter(([a, b]) => ring.has(`${a}\0${b}`));
  }
  const checks: Obj[] = pairs.map(([a, b]) => ({ name: `${a} reaches ${b} by name`, from: a, ping: b }));
  let published = 0, skipped = 0, served = 0;
  for (const s of info) {
    const node = nodes[s.node] as Obj;
    if (!node.run) continue; // nothing listens: nothing to answer
    const checkable = s.published.filter((p) => /^(127\.0\.0\.1:)?\d+:\d+(\/udp)?$/.test(p.spec)); // bound to another address: maybe not this host's
    skipped += s.published.length - Math.min(checkable.length, MAX_PORT_CHECKS);
    for (const p of checkable.slice(0, MAX_PORT_CHECKS)) {
      const [hostPort] = p.spec.replace(/^127\.0\.0\.1:/, "").split(":");
      // nc waits out a UDP check's timeout even once answered: a short one keeps `test` quick.
      checks.push({ name: `${s.node}'s published port ${p.spec}`, from: "host", [p.proto]: `127.0.0.1:${hostPort}`, ...(p.proto === "udp" ? { timeout: "1s" } : {}) });
      published++;
    }
    const tcp = s.listens.find((l) => l.proto === "tcp");
    const peer = tcp && names.find((o) => o !== s.node && on(o).some((x) => on(s.node).includes(x)));
    if (tcp && peer) (checks.push({ name: `${peer} reaches ${s.node}:${tcp.port}`, from: peer, tcp: `${s.node}:${tcp.port}` }), served++);
  }
  const parts = [
    pairs.length === all.length ? `every pair of services on a network reaches the other by name (${pairs.length})` : `a ring on each network reaches the next by name (${pairs.length} of ${all.length} pairs: more than ${MAX_PAIRS})`,
    `published ports answer on the host (${published}${skipped ? `; ${skipped} more not checked: ranges beyond their first ${MAX_PORT_CHECKS}, or bound to another address` : ""})`,
    `a service's first port answers a peer (${served})`,
  ];
  r.note(`default checks (no x-netlab: checks): ${parts.join("; ")}`);
  return checks;
}
