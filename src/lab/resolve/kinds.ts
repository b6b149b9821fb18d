// The keys of each network kind (networks pass), and, once every interface is known, the
// parents of macvlan/ipvlan/vlan networks (parents pass).
import type { KeyPath } from "../../errors.js";
import { kernelName } from "../../net/names.js";
import type { Network } from "../model.js";
import type { RawNetwork } from "../schema.js";
import { UNDERLAY, type Ctx } from "./context.js";

export const SUBIF = new Set<Network["kind"]>(["macvlan", "ipvlan", "vlan"]);
const MODES: Partial<Record<Network["kind"], string[]>> = { macvlan: ["bridge", "private", "vepa", "passthru"], ipvlan: ["l2", "l3", "l3s"] };
const ONLY: Record<string, Network["kind"][]> = { vni: ["vxlan"], hosts: ["vxlan"], port: ["vxlan"], parent: ["macvlan", "ipvlan", "vlan"], mode: ["macvlan", "ipvlan"], id: ["vlan"] };

/** What a kind decides from its own keys: where it lives, and the fields only it has. */
export function kindKeys(c: Ctx, name: string, r: RawNetwork, kind: Network["kind"], path: KeyPath): { holder: string | null; fields: Partial<Network> } {
  const { P } = c;
  for (const [key, kinds] of Object.entries(ONLY))
    if (r[key as keyof RawNetwork] !== undefined && !kinds.includes(kind)) P.add([...path, key], `${key} is for ${kinds.join("/")} networks, and ${name} is ${kind}`, kind === "bridge" ? "set kind: too, or remove the key" : "remove it");
  if (kind === "vxlan") {
    for (const key of ["in", "host"] as const) if (r[key] !== undefined) P.add([...path, key], "a vxlan network spans virtual hosts: name them in hosts:", "write hosts: [vm1, vm2] (or leave it out for all of them)");
    if (r.vni === undefined) P.add(path, "a vxlan network needs a vni", "add vni: 42 (each vxlan network its own)");
    else {
      const other = c.networks.find((n) => n.vni === r.vni);
      if (other) P.add([...path, "vni"], `vni ${r.vni} is already network ${other.name}'s`, "give each vxlan network its own vni");
    }
    if (!c.vhosts.size) P.add(path, "a vxlan network joins virtual hosts, and this lab has none", "define them under hosts:");
    const spans = r.hosts ?? [...c.vhosts];
    const dev = kernelName("vx", name);
    spans.forEach((h, i) => {
      if (!c.vhosts.has(h)) P.add([...path, "hosts", i], `no virtual host named "${h}"`, c.vhosts.size ? `hosts: ${[...c.vhosts].join(", ")}` : "define it under hosts:");
      else {
        c.claimIface(h, name, path, `the bridge of network ${name}`);
        c.claimIface(h, dev.name, path, `the VXLAN device of network ${name}`);
      }
    });
    // The VXLAN header and the outer UDP/IP headers take 50 bytes of the underlay's MTU.
    const mtu = r.mtu ?? (c.rawNets[UNDERLAY]?.mtu ?? 1500) - 50;
    return { holder: null, fields: { spans, vni: r.vni, port: r.port ?? 4789, vxlan: dev.name, mtu } };
  }
  if (SUBIF.has(kind)) {
    const m = r.parent === undefined ? null : /^([^:]+):([^:]+)$/.exec(r.parent);
    if (!m) {
      P.add(r.parent === undefined ? path : [...path, "parent"], `a ${kind} network needs a parent interface, HOST:IFACE`, 'e.g. parent: "vm1:eth0" — an interface netlab makes, never the machine\'s own');
      return { holder: null, fields: {} };
    }
    const node = m[1] === "host" ? null : m[1];
    if (node !== null && !c.nodes.has(node)) P.add([...path, "parent"], `no virtual host or node named "${node}"`, `parent is HOST:IFACE, e.g. "vm1:eth0"`);
    const modes = MODES[kind];
    if (r.mode !== undefined && modes && !modes.includes(r.mode)) P.add([...path, "mode"], `${kind} mode ${r.mode} does not exist`, `modes: ${modes.join(", ")}`);
    if (kind === "vlan" && r.id === undefined) P.add(path, "a vlan network needs an id", "add id: 100 (1-4094)");
    return { holder: node, fields: { parent: { node, iface: m[2] }, mode: r.mode ?? modes?.[0], vlanId: r.id } };
  }
  return { holder: null, fields: {} };
}

/** Parents must be interfaces netlab makes: a virtual host's eth0, a link end, a node's interface. */
export function parentsPass(c: Ctx): void {
  for (const net of c.networks) {
    if (!net.parent) continue;
    const { node, iface } = net.parent;
    const path: KeyPath = [...net.path, "parent"];
    const names = node === null ? c.host.intfs.map((i) => i.name) : (c.nodes.get(node)?.intfs.map((i) => i.name) ?? []);
    if (!names.includes(iface)) {
      if (node === null) c.P.add(path, `host:${iface} is not an interface netlab makes`, "a parent is never one of the machine's own interfaces (its uplink least of all): use a virtual host's eth0, or a link end netlab makes");
      else if (c.nodes.has(node)) c.P.add(path, `${node} has no interface ${iface}`, names.length ? `${node} has: ${names.join(", ")}` : `${node} has no interfaces yet`);
    }
    if (net.kind === "vlan") {
      const members = c.netInfo.get(net.name)?.members ?? [];
      if (members.length > 1) c.P.add(net.path, `a vlan network has one member per parent: ${iface} can carry VLAN ${net.vlanId} once`, "make one vlan network per member, or use a bridge");
    }
  }
}
