// What each node sees through the lab's DNS server, as Docker's embedded DNS answers a
// container: the names (and aliases) of the members of every dns network it is on, at their
// addresses on those networks; its own `hosts:` entries; the lab's `records:` it may see; names
// elsewhere in the lab do not exist.
import { dnsNetworks, namesOf, networkMembers, type DnsRecord, type Lab, type Node } from "../lab/model.js";
import { formatAddr, parseAddr } from "../net/ip.js";

export interface Answer {
  /** Addresses for the name, in the order to give them. */
  addrs: string[];
}

/** What a DNS server answers from: who asks, and what each asker sees (Views: a lab's networks; ClusterView: a cluster's records). */
export interface View {
  client(addr: string): Node | undefined;
  lookup(node: Node, qname: string, family: 4 | 6): string[] | null;
  knows(node: Node, qname: string): boolean;
  records(node: Node, qname: string, type?: DnsRecord["type"]): DnsRecord[];
  reverse(node: Node, addr: string): string | null;
  natted(node: Node): boolean;
}

export class Views implements View {
  /** Per network with names: lowercase name → addresses (built once: a 1,000-node star is one table, not a thousand). */
  private readonly tables = new Map<string, Map<string, string[]>>();
  /** Per node: the tables it sees, in its interface order, then its own `hosts:` entries. */
  private readonly sees = new Map<string, Map<string, string[]>[]>();
  /** address → the node that has it (to tell who asks, and for PTR). */
  private readonly owners = new Map<string, string>();
  /** Round robin: a counter per node and name. */
  private readonly turns = new Map<string, number>();
  /** Per node: the names (lowercase) of the dns networks it is on, for `name.network`. */
  private readonly onNets = new Map<string, string[]>();
  /** address → the dns network it is on (for PTR's `name.network`). */
  private readonly netOf = new Map<string, string>();
  /** `records:` by who sees them (a network's name, "" for every asker): lowercase name → records. */
  private readonly recs = new Map<string, Map<string, DnsRecord[]>>();

  /**
   * `holder`: the namespace whose networks this server serves (null: the lab's host). Only their
   * members ask it, so only their addresses say who asks (two virtual hosts may both use 172.17.0.0/16).
   */
  constructor(readonly lab: Lab, holder: string | null = null) {
    const served = new Set(lab.networks.filter((n) => n.holder === holder).map((n) => n.name));
    // Each table's (name, address) pairs seen, so that adding stays linear however many addresses a name has.
    const seen = new WeakMap<Map<string, string[]>, Set<string>>();
    const add = (t: Map<string, string[]>, name: string, addr: string) => {
      const k = name.toLowerCase();
      const pairs = seen.get(t) ?? seen.set(t, new Set()).get(t)!;
      if (pairs.has(`${k} ${addr}`)) return;
      pairs.add(`${k} ${addr}`);
      const list = t.get(k);
      if (list) list.push(addr);
      else t.set(k, [addr]);
    };
    for (const net of lab.networks) {
      if (!net.dns || !served.has(net.name)) continue;
      const t = new Map<string, string[]>();
      for (const m of networkMembers(lab, net.name)) for (const a of m.addrs) {
        for (const name of namesOf(m.node, m.aliases)) add(t, name, a);
        if (!this.netOf.has(a)) this.netOf.set(a, net.name);
      }
      this.tables.set(net.name, t);
    }
    const global = new Map<string, string[]>();
    for (const r of this.lab.records ?? []) {
      const where = r.networks.length ? r.networks.filter((n) => served.has(n)) : [""];
      for (const w of where) {
        const byName = this.recs.get(w) ?? this.recs.set(w, new Map()).get(w)!;
        const list = byName.get(r.name);
        if (list) list.push(r);
        else byName.set(r.name, [r]);
        // Addresses join the names' tables: a name's A records and nodes answer in one turn.
        if (r.type === "A" || r.type === "AAAA") add(w ? (this.tables.get(w) ?? this.tables.set(w, new Map()).get(w)!) : global, r.name, r.data);
      }
    }
    for (const node of lab.nodes) {
      const own = new Map<string, string[]>();
      for (const [a, h] of node.extraHosts) add(own, h, a);
      this.onNets.set(node.name, dnsNetworks(lab, node).map((n) => n.toLowerCase()));
      const nets = dnsNetworks(lab, node).map((n) => this.tables.get(n)!).filter(Boolean);
      // A node with no network with names still knows itself.
      if (!nets.length) for (const a of node.intfs.flatMap((i) => i.addrs).slice(0, 1)) for (const n of namesOf(node.name)) add(own, n, a.split("/")[0]);
      this.sees.set(node.name, [...nets, own, global]);
      for (const i of node.intfs) if (i.kind !== "veth" && served.has(i.network)) for (const a of i.addrs) this.owners.set(a.split("/")[0], node.name);
    }
  }

  /**
   * All the addresses a node's view has for a name. As Docker's embedded DNS (libnetwork's
   * Sandbox.ResolveName), a name not found as it is may be `NAME.NETWORK` for a network the node
   * is on: for a.b.c, "a.b" in network c, then "a" in network b.c.
   */
  private find(node: string, qname: string): string[] | undefined {
    const k = qname.toLowerCase().replace(/\.$/, "");
    let out: string[] | undefined;
    for (const t of this.sees.get(node) ?? []) {
      const hit = t.get(k);
      if (hit) out = out ? [...out, ...hit.filter((a) => !out!.includes(a))] : hit;
    }
    if (out) return out;
    const labels = k.split(".");
    for (let i = labels.length - 1; i > 0; i--) {
      const net = labels.slice(i).join(".");
      const name = labels.slice(0, i).join(".");
      const real = this.lab.networks.find((n) => n.name.toLowerCase() === net && this.onNets.get(node)?.includes(net));
      const hit = real && this.tables.get(real.name)?.get(name);
      if (hit) return hit;
    }
    return undefined;
  }

  /** The node a query came from, by its source address. */
  client(addr: string): Node | undefined {
    const name = this.owners.get(addr.replace(/^::ffff:/, ""));
    return name ? this.lab.nodes.find((n) => n.name === name) : undefined;
  }

  /** A or AAAA answers for a name in a node's view; rotated on each query when there are several. */
  lookup(node: Node, qname: string, family: 4 | 6): string[] | null {
    const all = this.find(node.name, qname);
    if (!all) return null;
    const addrs = all.filter((a) => a.includes(":") === (family === 6));
    if (addrs.length < 2) return addrs;
    // Keyed by the addresses answered, not the name as sent: case, a final dot or NAME.NETWORK
    // spellings of one name share a turn, and the table is bounded by what the lab holds.
    const key = `${node.name}|${addrs.join(",")}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const k = turn % addrs.length;
    return [...addrs.slice(k), ...addrs.slice(0, k)];
  }

  /** Whether the name exists at all in the node's view (an AAAA query for an IPv4-only name is NOERROR, empty). */
  knows(node: Node, qname: string): boolean {
    return this.find(node.name, qname) !== undefined || this.records(node, qname).length > 0;
  }

  /** The `records:` of a name the node sees, of one type or all. */
  records(node: Node, qname: string, type?: DnsRecord["type"]): DnsRecord[] {
    const k = qname.toLowerCase().replace(/\.$/, "");
    const out = new Set<DnsRecord>();
    for (const w of ["", ...(this.onNets.get(node.name) ?? [])]) for (const r of this.recs.get(w)?.get(k) ?? []) if (!type || r.type === type) out.add(r);
    return [...out];
  }

  /** PTR: `NAME.NETWORK` of the lab node with this address (as Docker answers), if the asker can see it. */
  reverse(node: Node, addr: string): string | null {
    const owner = this.owners.get(addr);
    if (!owner) return this.recordOf(node, addr);
    // A namespaced node (NS/POD) is not a DNS name: its first alias there stands for it.
    const intf = this.lab.nodes.find((n) => n.name === owner)?.intfs.find((i) => i.addrs.some((a) => a.split("/")[0] === addr));
    const name = namesOf(owner, intf && intf.kind !== "veth" ? (intf.aliases ?? []) : [])[0];
    if (!name) return this.recordOf(node, addr);
    if (!this.find(node.name, name)?.includes(addr)) return null;
    const net = this.netOf.get(addr);
    return net ? `${name}.${net}` : name;
  }

  /** PTR for an address no node has: the name of an A/AAAA record of it the node sees. */
  private recordOf(node: Node, addr: string): string | null {
    for (const w of ["", ...(this.onNets.get(node.name) ?? [])]) for (const rs of this.recs.get(w)?.values() ?? []) for (const r of rs) if ((r.type === "A" || r.type === "AAAA") && r.data === addr) return r.name;
    return null;
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
