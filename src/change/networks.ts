// Networks that come and go with an apply: a bridge of the lab's host that the new version adds
// is made — its part of the host's batch (the bridge, its gateway, its marks) — before the nodes
// on it; one it drops is deleted once the nodes removed with it are gone. Nodes that stay join or
// leave it (joins.ts). Networks a node or virtual host holds, other kinds, and a network whose
// definition changes are refused, named.
import type { Lab, Network } from "../lab/model.js";
import type { Ns, Op, Plan } from "../plan/ops.js";

export interface NetMembership {
  /** Made by this apply (after the nodes it removes, before the ones it adds). */
  added: Network[];
  /** Deleted by this apply (after the nodes it removes); an added one an unfinished apply may have begun is both. */
  removed: Network[];
  refused: string[];
}

const movable = (n: Network) => n.kind === "bridge" && n.holder === null;

/** The networks `now` adds to `up` and drops from it (`pending`: versions an unfinished apply began), given the nodes that come and go. */
export function networkMembership(up: Lab, now: Lab, pending: Lab[]): NetMembership {
  const names = (l: Lab) => new Set(l.networks.map((n) => n.name));
  const [was, will, halves] = [names(up), names(now), pending.map(names)];
  const redo = (name: string) => will.has(name) && (!was.has(name) || halves.some((h) => !h.has(name)));
  const out: NetMembership = { added: [], removed: [], refused: [] };
  for (const net of now.networks.filter((n) => redo(n.name))) {
    // Nodes that stay and are on it join it (joins.ts).
    if (!movable(net)) out.refused.push(`network ${net.name} (apply adds only bridges of the lab's host)`);
    else out.added.push(net);
  }
  const seen = new Set<string>();
  for (const l of [up, ...pending])
    for (const net of l.networks) {
      if ((will.has(net.name) && !redo(net.name)) || seen.has(net.name)) continue;
      seen.add(net.name);
      // Nodes that stay and were on it leave it (joins.ts).
      if (!movable(net)) out.refused.push(`network ${net.name} (apply removes only bridges of the lab's host)`);
      else out.removed.push(net);
    }
  return out;
}

/** The host's batch op of a plan (its namespace), where a network's part lives. */
const hostBatch = (p: Plan) => p.phases.flatMap((ph) => ph.steps).find((s) => s.parts?.some((x) => x.id.startsWith("network:")) && s.ops[0]?.op === "ip");

/**
 * What makes the added networks (their parts of the new plan's host batch), the undo to journal
 * for them, and what deletes the removed ones. A network an unfinished apply may have begun is
 * deleted first, whatever of it exists.
 */
export function networkOps(nm: NetMembership, plan: Plan, ns: Ns): { make: Op[]; undo: Op[]; drop: Op[] } {
  const step = hostBatch(plan);
  const del = (nets: Network[]): Op[] => (nets.length ? [{ op: "ip", ns, force: true, lines: nets.map((n) => `link delete ${n.bridge}`) }] : []);
  const lines = nm.added.flatMap((n) => step?.parts?.find((x) => x.id === `network:${n.name}`)?.lines ?? []);
  return { make: lines.length ? [{ op: "ip", ns, lines }] : [], undo: del(nm.added), drop: del(nm.removed) };
}
