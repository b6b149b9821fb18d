// What the cluster DNS answers (CoreDNS with the kubernetes plugin, as kubeadm configures it):
// the cluster's records (kube/dns.ts) and the lab's own `records:` seen by every node, the same
// for every asker; several addresses under one name rotated on each query (the `loadbalance`
// plugin of kubeadm's Corefile); PTR for ClusterIPs and headless endpoints only. A name in none
// of them is NXDOMAIN: no upstream is asked, since nothing leaves the lab.
import type { DnsRecord, Lab, Node } from "../lab/model.js";
import { clusterRecords } from "../kube/dns.js";
import type { View } from "./view.js";

export class ClusterView implements View {
  /** Lowercase name → its records. */
  private readonly names = new Map<string, DnsRecord[]>();
  private readonly ptr: Map<string, string>;
  /** Address → the lab node that has it (pods, and the cluster's nodes: their bridges' and underlay addresses). */
  private readonly owners = new Map<string, Node>();
  private readonly turns = new Map<string, number>();

  /** `lab.kube` must be set. */
  constructor(lab: Lab) {
    const c = clusterRecords(lab.kube!);
    this.ptr = c.ptr;
    for (const r of [...c.records, ...(lab.records ?? []).filter((x) => !x.networks.length)]) {
      const list = this.names.get(r.name);
      if (list) list.push(r);
      else this.names.set(r.name, [r]);
    }
    const byName = new Map(lab.nodes.map((n) => [n.name, n]));
    for (const n of lab.nodes) for (const a of n.intfs.flatMap((i) => i.addrs)) this.owners.set(a.split("/")[0], n);
    // A cluster node asks from its cni0 address (a pod on it is the server) once its query is masqueraded.
    for (const net of lab.networks) if (net.gateway && net.holder && byName.has(net.holder)) this.owners.set(net.gateway.split("/")[0], byName.get(net.holder)!);
    // …or, with routing: vxlan, from its flannel.1 address: its pod subnet's network address.
    for (const n of lab.kube!.nodes) if (byName.has(n.name)) this.owners.set(n.podSubnet.split("/")[0], byName.get(n.name)!);
  }

  client(addr: string): Node | undefined {
    return this.owners.get(addr.replace(/^::ffff:/, ""));
  }

  lookup(node: Node, qname: string, family: 4 | 6): string[] | null {
    const rs = this.names.get(key(qname));
    if (!rs) return null;
    const addrs = rs.filter((r) => r.type === (family === 4 ? "A" : "AAAA")).map((r) => r.data);
    if (addrs.length < 2) return addrs;
    const k = `${node.name}|${addrs.join(",")}`;
    const turn = this.turns.get(k) ?? 0;
    this.turns.set(k, turn + 1);
    return [...addrs.slice(turn % addrs.length), ...addrs.slice(0, turn % addrs.length)];
  }

  knows(_node: Node, qname: string): boolean {
    return this.names.has(key(qname));
  }

  records(_node: Node, qname: string, type?: DnsRecord["type"]): DnsRecord[] {
    return (this.names.get(key(qname)) ?? []).filter((r) => !type || r.type === type);
  }

  reverse(_node: Node, addr: string): string | null {
    return this.ptr.get(addr) ?? null;
  }

  natted(): boolean {
    return false;
  }
}

const key = (qname: string) => qname.toLowerCase().replace(/\.$/, "");
