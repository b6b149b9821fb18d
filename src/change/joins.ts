// A node that stays joins or leaves a network — `docker network connect` / `disconnect`: its
// new interface's cable is made from the host (its part of the host's batch, `member:NODE:IFACE`)
// and set up inside the node; a dropped one is deleted inside the node (its cable's host end
// goes with it). Addresses, routes, rules, names and host rules then follow as for any edit.
// Only bridges of the lab's host, and only where the node's other interfaces keep their names.
// A link (`links:`) that comes or goes is made the same way: its cable from the host's batch
// (its part, linkId), its ends set up inside the nodes that stay, or deleted there.
import type { Lab, Node } from "../lab/model.js";
import type { Op, Plan } from "../plan/ops.js";
import type { Membership } from "./members.js";
import { linkId } from "../plan/kinds/veth.js";

export interface Moves {
  /** Interfaces of staying nodes made now: node → its new interface names. */
  joins: Map<string, string[]>;
  /** Interfaces of staying nodes deleted now (in some live version, not in the new one). */
  leaves: Map<string, string[]>;
  /** The host parts of the joins, leaves and links that come or go, left out of the host batch's comparison. */
  parts: string[];
  /** Host ends of links made now, which must not exist yet. */
  hostEnds: string[];
  /** Interfaces deleted inside their node (`NODE:IFACE`): of leaves, those not gone with their link's other end. */
  deletes: Set<string>;
  refused: string[];
}

/** What each interface of a node is, by name: `net:NAME` (a network's member) or the link's id. */
const identities = (n: Node | undefined) => new Map((n?.intfs ?? []).map((i) => [i.name, i.kind === "veth" ? linkId(n!.name, i.name, i.peer) : `net:${i.network}`]));

/** A version's links by id: their ends (node null: the lab's host). */
function linksOf(l: Lab): Map<string, { node: string | null; name: string }[]> {
  const out = new Map<string, { node: string | null; name: string }[]>();
  for (const n of l.nodes) for (const i of n.intfs) if (i.kind === "veth") out.set(linkId(n.name, i.name, i.peer), [{ node: n.name, name: i.name }, i.peer]);
  return out;
}

/**
 * Which interfaces nodes that stay gain and lose, from the version up (and any an unfinished
 * apply began) to `now`, and which links come or go (with a node, or between nodes that stay).
 */
export function moves(up: Lab, now: Lab, pending: Lab[], m: Membership): Moves {
  const out: Moves = { joins: new Map(), leaves: new Map(), parts: [], hostEnds: [], deletes: new Set(), refused: [] };
  const coming = new Set([...m.added.map((n) => n.name), ...m.removed.map((r) => r.name)]);
  const byName = (l: Lab) => new Map(l.nodes.map((n) => [n.name, n]));
  const [upNodes, nowNodes, pendingNodes] = [byName(up), byName(now), pending.map(byName)];
  const staying = (n: string | null) => n !== null && !coming.has(n) && upNodes.has(n) && nowNodes.has(n);
  const push = (map: Map<string, string[]>, k: string, v: string) => map.set(k, [...new Set([...(map.get(k) ?? []), v])]);
  const part = (id: string) => !out.parts.includes(id) && out.parts.push(id);
  const refuse = (why: string) => !out.refused.includes(why) && out.refused.push(why);
  // Links that come or go, or whose end is a node made or removed whole: their cables are parts.
  const [will, lives] = [linksOf(now), [up, ...pending].map(linksOf)];
  for (const [id, ends] of new Map([...lives.flatMap((l) => [...l]), ...will])) {
    const live = lives.every((l) => l.has(id));
    if (live && will.has(id) && !ends.some((e) => e.node !== null && coming.has(e.node))) continue;
    [id, `${id}@host`].forEach(part);
    const host = ends.find((e) => e.node === null);
    if (host && will.has(id)) {
      // A host interface another link had: made before that link goes, so refused.
      const was = lives.some((l) => [...l].some(([other, es]) => other !== id && es.some((e) => e.node === null && e.name === host.name)));
      if (was) refuse(`the host's interface ${host.name} (it would pass from one link to another: apply the removal first, then the new link)`);
      out.hostEnds.push(host.name);
    }
    const stay = ends.filter((x) => staying(x.node));
    for (const e of stay) push(will.has(id) ? out.joins : out.leaves, e.node!, e.name);
    // A link is deleted from one end; with the namespace of an end that goes, it goes too.
    if (!will.has(id) && stay.length && !ends.some((e) => e.node !== null && coming.has(e.node))) out.deletes.add(`${stay[0].node}:${stay[0].name}`);
  }
  for (const node of now.nodes) {
    if (!staying(node.name)) continue;
    const want = identities(node);
    const had = [upNodes, ...pendingNodes].map((l) => identities(l.get(node.name)));
    for (const [iface, id] of want) {
      if (had.every((w) => w.get(iface) === id)) continue;
      if (had.some((w) => [...w].some(([i, x]) => (x === id) !== (i === iface)))) {
        const why = id.startsWith("link:")
          ? `node ${node.name}'s interfaces (${iface} would pass from one link or network to another: apply the removal first, then the new one)`
          : `node ${node.name}'s interfaces (${iface} would change network: the interfaces a node keeps keep their names, so it joins networks after the ones it is on, and leaves its last ones)`;
        if (!out.refused.some((r) => r.startsWith(`node ${node.name}'s interfaces`))) out.refused.push(why);
        continue;
      }
      if (id.startsWith("link:")) continue; // made above
      const net = now.networks.find((n) => `net:${n.name}` === id);
      if (net?.kind !== "bridge" || net.holder !== null) refuse(`node ${node.name} joining network ${id.slice(4)} (apply joins only bridges of the lab's host)`);
      else {
        push(out.joins, node.name, iface);
        part(`member:${node.name}:${iface}`);
      }
    }
    had.forEach((w, v) => {
      for (const [iface, id] of w) {
        if (want.has(iface) || id.startsWith("link:")) continue;
        const net = [up, ...pending][v].networks.find((n) => `net:${n.name}` === id);
        if (net?.kind !== "bridge") refuse(`node ${node.name} leaving network ${id.slice(4)} (apply takes nodes off bridges only)`);
        push(out.leaves, node.name, iface);
        out.deletes.add(`${node.name}:${iface}`);
        part(`member:${node.name}:${iface}`);
      }
    });
  }
  return out;
}

/** The cables of the joins: their parts of the new plan's host batch. */
export function joinCables(mv: Moves, plan: Plan): Op[] {
  const parts = new Set(mv.parts);
  return plan.phases.flatMap((p) => p.steps).flatMap((s): Op[] => {
    const lines = (s.parts ?? []).filter((x) => parts.has(x.id)).flatMap((x) => x.lines);
    return lines.length && s.ops[0]?.op === "ip" ? [{ op: "ip", ns: s.ops[0].ns, lines }] : [];
  });
}

/** Whether an `ip -batch` line of a node is about one of these interfaces. */
export const aboutIface = (ifaces: string[]) => {
  // Interface names may hold regex characters (eth0.100): matched as written.
  const res = ifaces.map((i) => new RegExp(`\\bdev ${i.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\s|$)`));
  return (line: string) => res.some((r) => r.test(line));
};
