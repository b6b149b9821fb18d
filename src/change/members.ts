// Nodes that come and go with an apply: a node the new version adds is made whole (its
// namespace, its cables to the host's bridges, its own step, its exec: and run:), one it drops is
// removed whole (its namespace, with everything in it; the host ends of its cables go with it).
// The rest of the plan is then compared without them (compare.ts): what they change there —
// the host's rules, the name files, the DNS server's records — is changed as any other edit.
//
// This version adds and removes nodes whose interfaces are all on bridges — the lab host's
// (Docker's containers), a node's or virtual host's (a cluster node's pods on its cni0), a VXLAN
// network's — and their links (joins.ts); nodes with sub-interfaces, and nodes that hold networks, are refused.
import type { Lab, Node } from "../lab/model.js";
import type { Op, Plan, Step } from "../plan/ops.js";
import { namespacesUndo } from "../plan/compile.js";

/** Which nodes an apply makes and removes whole. */
export interface Membership {
  /** In the new version, not in the version up: made whole (after any removal). */
  added: Node[];
  /** Namespaces removed whole first: of nodes the new version drops, and of added ones an unfinished apply may have begun. */
  removed: { name: string; ns: string; ends: { ns: string | null; name: string }[] }[];
  /** Why a node cannot come or go in place, one line each. */
  refused: string[];
}

/** The far ends of a node's cables, where they live (namespace of the bridge's holder: null for the lab's host); they vanish with its namespace. */
const ends = (lab: Lab, node: Node) =>
  node.intfs.flatMap((i) => (i.kind === "bridge" || i.kind === "vxlan" || i.kind === "veth" ? [{ ns: i.peer.node === null ? lab.hostNs : lab.nodes.find((n) => n.name === i.peer.node)?.ns ?? null, name: i.peer.name }] : []));

/** Why `node` cannot be made or removed on its own: it is more than a member of bridges (the lab host's, a node's, a VXLAN network's). */
function whyNot(lab: Lab, node: Node): string | null {
  if (node.vhost) return `virtual host ${node.name}`;
  if (lab.networks.some((n) => n.holder === node.name || n.parent?.node === node.name)) return `node ${node.name} (it holds a network)`;
  if (node.intfs.some((i) => i.kind !== "bridge" && i.kind !== "vxlan" && i.kind !== "veth")) return `node ${node.name} (it has a macvlan, ipvlan or vlan interface)`;
  if (lab.nodes.some((m) => m.publish.some((p) => p.on === node.name))) return `node ${node.name} (another node publishes on it)`;
  return null;
}

/**
 * The nodes `now` adds to `up` and drops from it. `pending`: versions an unfinished apply
 * began; a node they added that `now` keeps is removed and made again (whatever part of it exists).
 */
export function membership(up: Lab, now: Lab, pending: Lab[]): Membership {
  const names = (l: Lab) => new Set(l.nodes.map((n) => n.name));
  const [was, will] = [names(up), names(now)];
  const halves = pending.map(names);
  // Made whole: new to the version up, or one an unfinished apply may have begun or removed
  // (some version lacks it): removed first (whatever part of it exists), then made again.
  const redo = (name: string) => will.has(name) && (!was.has(name) || halves.some((h) => !h.has(name)));
  const added = now.nodes.filter((n) => redo(n.name));
  const removed: Membership["removed"] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  for (const l of [up, ...pending])
    for (const n of l.nodes) {
      if ((will.has(n.name) && !redo(n.name)) || seen.has(n.name)) continue;
      seen.add(n.name);
      const why = whyNot(l, n);
      if (why) refused.push(why);
      removed.push({ name: n.name, ns: n.ns, ends: ends(l, n) });
    }
  for (const n of added) {
    const why = whyNot(now, n);
    if (why && !refused.includes(why)) refused.push(why);
  }
  return { added, removed, refused };
}

/** Whether a step or host part belongs to one of these nodes, or networks (`network:NAME`), and is made or removed with it. */
export function ownedBy(id: string, nodes: Set<string>): boolean {
  if (id.startsWith("network:") || id.startsWith("link:")) return nodes.has(id);
  if (id.startsWith("member:") && nodes.has(id)) return true; // one interface of a node that stays (joins.ts)
  const m = /^(?:node|run|exec|member):([^:]+)(?::|$)/.exec(id);
  return !!m && nodes.has(m[1]);
}

/** The ops that remove nodes whole: every process in their namespaces stopped, the namespaces deleted. */
export function removals(m: Membership): Op[] {
  if (!m.removed.length) return [];
  return namespacesUndo(m.removed.map((r) => r.ns));
}

/** What makes the added nodes, in up's order, and the undo their namespaces journal. */
export function additions(m: Membership, plan: Plan): { create: Op[]; undo: Op[]; cables: Op[]; steps: Step[] } {
  if (!m.added.length) return { create: [], undo: [], cables: [], steps: [] };
  const names = m.added.map((n) => n.ns);
  const who = new Set(m.added.map((n) => n.name));
  const all = plan.phases.flatMap((p) => p.steps);
  // Their cables (the host's batch), then their ports on bridges nodes hold (those nodes' batches).
  const cables = all.flatMap((s): Op[] => {
    const lines = (s.parts ?? []).filter((p) => ownedBy(p.id, who)).flatMap((p) => p.lines);
    return lines.length && s.ops[0]?.op === "ip" ? [{ op: "ip", ns: s.ops[0].ns, lines }] : [];
  });
  return {
    create: [{ op: "ip", ns: null, lines: names.map((n) => `netns add ${n}`) }],
    undo: namespacesUndo(names),
    cables, // in plan order: the host's batch first
    // Their own steps, exec: and run:, in plan order (the name files are compared as a whole).
    steps: all.filter((s) => ownedBy(s.id, who)),
  };
}

