// `links:` — point-to-point veth cables between two nodes, or a node and the lab's host.
import { ownerAlias } from "../../net/names.js";
import { intfLines, markLines } from "../lines.js";
import { nsOf } from "../placement.js";
import type { LinkKind } from "./kind.js";

/**
 * A link's identity, the same from either end: its two ends as `NODE:IFACE` (`@host:IFACE` for
 * the lab's host), sorted — not its place in `links:`, which moves when an earlier link goes.
 */
export function linkId(node: string | null, iface: string, peer: { node: string | null; name: string }): string {
  const end = (n: string | null, i: string) => `${n ?? "@host"}:${i}`;
  return `link:${[end(node, iface), end(peer.node, peer.name)].sort().join("=")}`;
}

export const veth: LinkKind = {
  kind: "veth",
  member(w, node, i) {
    if (w.seenLinks.has(i.link)) return;
    w.seenLinks.add(i.link);
    if (i.peer.node === null) return; // the host end makes it (hostEnd)
    w.host.push(`link add ${i.name} netns ${node.ns} type veth peer name ${i.peer.name} netns ${nsOf(w.lab, i.peer.node)}`);
  },
  hostEnd(w, i) {
    w.host.push(`link add ${i.name} type veth peer name ${i.peer.name} netns ${nsOf(w.lab, i.peer.node)}`);
    w.host.push(...markLines(i.name, ownerAlias(w.lab.name, `link ${i.link + 1} host:${i.name}`)));
    w.host.push(...intfLines(i));
    w.hostUndo.push(`link delete ${i.name}`);
  },
  objects: (lab) => lab.host.intfs.map((i) => ({ holder: null, name: i.name, kind: "veth", what: `the host end of link ${(i.kind === "veth" ? i.link : 0) + 1}` })),
};
