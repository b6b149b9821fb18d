// Placement: which namespace holds a device, and which makes it. A network's device lives in
// its holder's namespace — the lab's host, or a node (`in:`), and soon a virtual host — and
// every cable is made from the lab's host namespace, straight into the namespaces of its ends,
// so that the host's one `ip -batch` wires the whole lab before any node is configured.
import type { Lab } from "../lab/model.js";
import type { Ns, Op } from "./ops.js";

/** The namespace of a holder: null means the lab's host (itself null when that is where netlab runs). */
export function nsOf(lab: Lab, holder: string | null): Ns {
  return holder === null ? lab.hostNs : lab.nodes.find((n) => n.name === holder)!.ns;
}

/** The ip lines a plan collects per namespace while the kinds wire the lab. */
export class Wiring {
  /** The host's batch, which makes every device and cable; and what it deletes on down. */
  readonly host: string[] = [];
  readonly hostUndo: string[] = [];
  /** Lines for a node's own batch, before its interfaces are configured (devices it holds). */
  private readonly nodes = new Map<string, string[]>();
  /** Ranges of a node's own batch that belong to another object (partIn). */
  private readonly tags = new Map<string, { id: string; from: number; to: number }[]>();
  /** Links already made (a link is seen from both of its ends). */
  readonly seenLinks = new Set<number>();
  /** Lines run in a node's namespace during the host phase, once the cables exist (devices hanging off a parent there). */
  readonly pre = new Map<string, string[]>();
  /**
   * The host's batch by object, in order ("network:NAME", "member:NODE:IFACE", "link:A:X=B:Y", linkId): apply
   * adds or removes one node's cables without touching the rest.
   */
  readonly hostParts: { id: string; lines: string[]; undo?: string[] }[] = [];
  /** Ops appended to a node's own step (a VXLAN device's forwarding entries). */
  readonly after = new Map<string, Op[]>();

  constructor(readonly lab: Lab) {}

  /** Runs `make`, recording the host lines it adds (and the undo lines) as object `id`'s. */
  part(id: string, make: () => void): void {
    const [from, undoFrom] = [this.host.length, this.hostUndo.length];
    make();
    const undo = this.hostUndo.slice(undoFrom);
    if (this.host.length > from) this.hostParts.push({ id, lines: this.host.slice(from), ...(undo.length ? { undo } : {}) });
  }

  /** Runs `make`, recording the lines it adds to `holder`'s own batch as object `id`'s (a member's bridge port there). */
  partIn(holder: string, id: string, make: () => void): void {
    const lines = this.node(holder);
    const from = lines.length;
    make();
    if (lines.length > from) (this.tags.get(holder) ?? this.tags.set(holder, []).get(holder)!).push({ id, from, to: lines.length });
  }

  /** A node's own batch lines by object: the ranges partIn recorded as theirs, the rest as "own". */
  nodeParts(name: string): { id: string; lines: string[] }[] {
    const lines = this.nodeLines(name);
    const out: { id: string; lines: string[] }[] = [];
    let at = 0;
    for (const t of this.tags.get(name) ?? []) {
      if (t.from > at) out.push({ id: "own", lines: lines.slice(at, t.from) });
      out.push({ id: t.id, lines: lines.slice(t.from, t.to) });
      at = t.to;
    }
    if (lines.length > at) out.push({ id: "own", lines: lines.slice(at) });
    return out;
  }

  node(name: string): string[] {
    let l = this.nodes.get(name);
    if (!l) this.nodes.set(name, (l = []));
    return l;
  }

  nodeLines(name: string): string[] {
    return this.nodes.get(name) ?? [];
  }

  preIn(name: string): string[] {
    let l = this.pre.get(name);
    if (!l) this.pre.set(name, (l = []));
    return l;
  }

  afterIn(name: string): Op[] {
    let l = this.after.get(name);
    if (!l) this.after.set(name, (l = []));
    return l;
  }
}
