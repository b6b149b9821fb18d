// What each node sees through the lab's DNS server, as Docker's embedded DNS answers a
// container: the names (and aliases) of the members of every dns network it is on, at their
// addresses on those networks; its own `hosts:` entries; names elsewhere in the lab do not exist.
import { hostsEntries } from "../lab/hosts.js";
import type { Lab, Node } from "../lab/model.js";
import { formatAddr, parseAddr } from "../net/ip.js";

export interface Answer {
  /** Addresses for the name, in the order to give them. */
  addrs: string[];
}

export class Views {
  /** node name → lowercase name → addresses. */
  private readonly views = new Map<string, Map<string, string[]>>();
  /** address → the node that has it (to tell who asks, and for PTR). */
  private readonly owners = new Map<string, string>();
  /** Round robin: a counter per node and name. */
  private readonly turns = new Map<string, number>();

  constructor(readonly lab: Lab) {
    for (const node of lab.nodes) {
      const v = new Map<string, string[]>();
      for (const [addr, name] of hostsEntries(lab, node)) {
        const k = name.toLowerCase();
        const list = v.get(k) ?? [];
        if (!list.includes(addr)) list.push(addr);
        v.set(k, list);
      }
      this.views.set(node.name, v);
      for (const i of node.intfs) for (const a of i.addrs) this.owners.set(a.split("/")[0], node.name);
    }
  }

  /** The node a query came from, by its source address. */
  client(addr: string): Node | undefined {
    const name = this.owners.get(addr.replace(/^::ffff:/, ""));
    return name ? this.lab.nodes.find((n) => n.name === name) : undefined;
  }

  /** A or AAAA answers for a name in a node's view; rotated on each query when there are several. */
  lookup(node: Node, qname: string, family: 4 | 6): string[] | null {
    const all = this.views.get(node.name)?.get(qname.toLowerCase().replace(/\.$/, ""));
    if (!all) return null;
    const addrs = all.filter((a) => a.includes(":") === (family === 6));
    if (addrs.length < 2) return addrs;
    const key = `${node.name}|${qname}|${family}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const k = turn % addrs.length;
    return [...addrs.slice(k), ...addrs.slice(0, k)];
  }

  /** Whether the name exists at all in the node's view (an AAAA query for an IPv4-only name is NOERROR, empty). */
  knows(node: Node, qname: string): boolean {
    return !!this.views.get(node.name)?.has(qname.toLowerCase().replace(/\.$/, ""));
  }

  /** PTR: the name of the lab node with this address, if the asker can see it. */
  reverse(node: Node, addr: string): string | null {
    const owner = this.owners.get(addr);
    if (!owner) return null;
    return this.views.get(node.name)?.get(owner.toLowerCase())?.includes(addr) ? owner : null;
  }

  /** Whether the node reaches the outside through NAT: then unknown names are asked upstream. */
  natted(node: Node): boolean {
    return node.intfs.some((i) => i.kind !== "veth" && this.lab.networks.find((n) => n.name === i.network)?.nat);
  }
}

/** An in-addr.arpa / ip6.arpa name as an address, or null. */
export function ptrAddress(qname: string): string | null {
  const n = qname.toLowerCase().replace(/\.$/, "");
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(n);
  if (v4) return [v4[4], v4[3], v4[2], v4[1]].join(".");
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(n);
  if (!v6) return null;
  const hex = v6[1].split(".").filter(Boolean).reverse().join("");
  const a = parseAddr(hex.match(/.{4}/g)!.join(":"));
  return a ? formatAddr(6, a.addr) : null;
}
