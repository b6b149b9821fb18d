// A node that stays joins or leaves a network — `docker network connect` / `disconnect`: its
// new interface's cable is made from the host (its part of the host's batch, `member:NODE:IFACE`)
// and set up inside the node; a dropped one is deleted inside the node (its cable's host end
// goes with it). Addresses, routes, rules, names and host rules then follow as for any edit.
// Only bridges of the lab's host, and only where the node's other interfaces keep their names.
import type { Lab, Node } from "../lab/model.js";
import type { Op, Plan } from "../plan/ops.js";
import type { Membership } from "./members.js";

export interface Moves {
  /** Interfaces of staying nodes made now: node → its new interface names. */
  joins: Map<string, string[]>;
  /** Interfaces of staying nodes deleted now (in some live version, not in the new one). */
  leaves: Map<string, string[]>;
  /** The host parts of the joins and leaves (`member:NODE:IFACE`), left out of the host batch's comparison. */
  parts: string[];
  refused: string[];
}

/** A version's bridge interfaces of a node: network → interface name. */
const legs = (n: Node | undefined) => new Map((n?.intfs ?? []).flatMap((i) => (i.kind === "bridge" ? [[i.network, i.name] as const] : [])));

/** Which interfaces nodes that stay gain and lose, from the version up (and any an unfinished apply began) to `now`. */
export function moves(up: Lab, now: Lab, pending: Lab[], m: Membership): Moves {
  const out: Moves = { joins: new Map(), leaves: new Map(), parts: [], refused: [] };
  const coming = new Set([...m.added.map((n) => n.name), ...m.removed.map((r) => r.name)]);
  const push = (map: Map<string, string[]>, k: string, v: string) => map.set(k, [...new Set([...(map.get(k) ?? []), v])]);
  for (const node of now.nodes) {
    if (coming.has(node.name) || !up.nodes.some((n) => n.name === node.name)) continue;
    const will = legs(node);
    const lives = [up, ...pending].map((l) => legs(l.nodes.find((n) => n.name === node.name)));
    for (const [net, iface] of will) {
      if (lives.every((w) => w.get(net) === iface)) continue;
      const was = lives.find((w) => w.has(net) && w.get(net) !== iface);
      const taken = lives.some((w) => [...w].some(([n, i]) => i === iface && n !== net));
      const kind = now.networks.find((n) => n.name === net);
      const renamed = `node ${node.name}'s interfaces (${iface} would change network: the interfaces a node keeps keep their names, so it joins networks after the ones it is on, and leaves its last ones)`;
      if (was || taken) {
        if (!out.refused.some((r) => r.startsWith(`node ${node.name}'s interfaces`))) out.refused.push(renamed);
      }
      else if (kind?.kind !== "bridge" || kind.holder !== null) out.refused.push(`node ${node.name} joining network ${net} (apply joins only bridges of the lab's host)`);
      else {
        push(out.joins, node.name, iface);
        out.parts.push(`member:${node.name}:${iface}`);
      }
    }
    for (const w of lives)
      for (const [net, iface] of w)
        if (will.get(net) !== iface && ![...will.values()].includes(iface)) {
          push(out.leaves, node.name, iface);
          if (!out.parts.includes(`member:${node.name}:${iface}`)) out.parts.push(`member:${node.name}:${iface}`);
        }
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
export const aboutIface = (ifaces: string[]) => (line: string) => ifaces.some((i) => new RegExp(`\\bdev ${i}(\\s|$)`).test(line));
