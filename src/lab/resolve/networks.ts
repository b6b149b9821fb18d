// Pass: networks — kind, subnets, gateways, NAT; each network's address range for the attachments pass.
import type { KeyPath } from "../../errors.js";
import { contains, formatAddr, formatIfAddr, formatPrefix, hostRange, IPV6_MIN_MTU, isNetworkOrBroadcast, parseAddr, parsePrefix } from "../../net/ip.js";
import { kernelName, validIfName } from "../../net/names.js";
import { NETWORK_KINDS, PLANNED_KINDS, type Network } from "../model.js";
import { Ctx, UNDERLAY, type NetInfo } from "./context.js";
import { gatewayOf } from "./gateway.js";
import { kindKeys, SUBIF } from "./kinds.js";

export function networksPass(c: Ctx): void {
  const { P, rawNets, nodeNames, netNames, nodes, seenPrefixes, useAddr } = c;
  const { networks, netInfo } = c;
  for (const name of netNames) {
    const r = rawNets[name];
    const path: KeyPath = c.netPath(name);
    if (r.kind !== undefined && !(NETWORK_KINDS as readonly string[]).includes(r.kind)) {
      if (PLANNED_KINDS.includes(r.kind)) P.add([...path, "kind"], `kind ${r.kind} is not implemented yet in this netlab`, `kinds it builds: ${NETWORK_KINDS.join(", ")}`);
      else P.add([...path, "kind"], `unknown network kind "${r.kind}"`, `kinds: ${NETWORK_KINDS.join(", ")}`);
    }
    const kind = (NETWORK_KINDS as readonly string[]).includes(r.kind ?? "bridge") ? ((r.kind ?? "bridge") as Network["kind"]) : "bridge";
    const k = kindKeys(c, name, r, kind, path);
    let holder: string | null = null;
    if (r.in !== undefined && r.host !== undefined) P.add([...path, "host"], "a network is either in a node (in:) or on a virtual host (host:), not both", "keep one of them");
    if (r.in !== undefined) {
      if (r.in === "host") holder = null;
      else if (!nodes.has(r.in)) P.add([...path, "in"], `no node named "${r.in}"`, nodeNames.length ? `nodes: ${nodeNames.join(", ")}` : "define the node under nodes:");
      else holder = r.in;
    }
    if (r.host !== undefined) {
      if (!c.vhosts.has(r.host)) P.add([...path, "host"], `no virtual host named "${r.host}"`, c.vhosts.size ? `hosts: ${[...c.vhosts].join(", ")}` : "define it under hosts:");
      else holder = r.host;
    }
    if (kind !== "bridge") holder = k.holder;
    // A vxlan network has a bridge of its name on each host it spans.
    const kn = bridgeName(c, r, name, kind, holder, path);
    const net: Network = {
      kind,
      name, bridge: kn.name, altname: kn.altname, holder,
      ...gatewayOf(P, r, kind, path), dns: r.dns ?? true, internal: r.internal ?? false, isolate: r.isolate ?? true,
      mtu: r.mtu, path, ...k.fields,
    };
    const info: NetInfo = { net, members: [] };
    for (const fam of [4, 6] as const) {
      const key = fam === 4 ? "subnet" : "subnet6";
      const gkey = fam === 4 ? "gateway" : "gateway6";
      const text = r[key];
      if (text === undefined) {
        if (r[gkey] !== undefined && r[gkey] !== "none") P.add([...path, gkey], `a gateway needs a ${key}`, `add ${key}: or remove ${gkey}:`);
        continue;
      }
      let p = parsePrefix(text, true);
      if (!p) {
        const loose = parsePrefix(text, false);
        P.add([...path, key], loose ? `${text} has host bits set` : `"${text}" is not an IPv${fam} prefix`,
          loose ? `did you mean ${formatPrefix(loose)}?` : fam === 4 ? "write it like 172.20.0.0/24" : "write it like fd00:20::/64");
        // As a compiler recovers: go on with the prefix meant, so that one mistake is one error.
        if (!loose) { P.broken(path); continue; }
        p = loose;
      }
      if (p.family !== fam) { P.add([...path, key], `${text} is IPv${p.family}; ${key} takes IPv${fam}`, fam === 4 ? "use subnet6: for IPv6" : "use subnet: for IPv4"); continue; }
      if ((fam === 4 && p.len > 30) || (fam === 6 && p.len > 126)) { P.add([...path, key], `${text} is too small for a network`, "use /30 or larger for IPv4, /126 or larger for IPv6 (a link can be /31)"); continue; }
      if (fam === 6 && net.mtu !== undefined && net.mtu < IPV6_MIN_MTU) P.add([...path, r.mtu !== undefined ? "mtu" : key], `IPv6 needs an MTU of at least ${IPV6_MIN_MTU}, and this network's is ${net.mtu}`, kind === "vxlan" && r.mtu === undefined ? `a VXLAN network's MTU is its underlay's less 50: give it mtu: ${IPV6_MIN_MTU} or more, or remove subnet6:` : `raise mtu: to ${IPV6_MIN_MTU} or more, or remove subnet6:`);
      // A macvlan/ipvlan/vlan network is usually the parent's own LAN: that overlap is the point.
      if (!SUBIF.has(kind)) seenPrefixes.push({ p, path: [...path, key], what: `network ${name}` });
      const range = hostRange(p);
      // A bridge's gateway is its own address; an overlay and a parent's LAN have none by default
      // (for those, a gateway is only where members' default route goes).
      let gw: bigint | undefined = kind === "bridge" ? range.first : undefined;
      const g = r[gkey];
      if (g === "none") gw = undefined;
      else if (g !== undefined) {
        const a = parseAddr(g);
        if (!a || a.family !== fam) { P.add([...path, gkey], `"${g}" is not an IPv${fam} address`, `write it like ${fam === 4 ? formatAddr(4, range.first) : formatAddr(6, range.first)}, or none`); gw = undefined; }
        else if (!contains(p, fam, a.addr)) { P.add([...path, gkey], `gateway ${g} is outside subnet ${text}`, `use an address in ${text}`); gw = undefined; }
        else if (isNetworkOrBroadcast(p, a.addr)) { P.add([...path, gkey], `${g} is the network or broadcast address of ${text}`, `use a host address such as ${formatAddr(fam, range.first)}`); gw = undefined; }
        else gw = a.addr;
      }
      if (gw !== undefined && kind === "vxlan") {
        P.add([...path, gkey], "a vxlan network has no gateway: its members share one L2 segment across the hosts", "leave gateway out; route through a member node");
        gw = undefined;
      }
      if (gw !== undefined) {
        const addr = formatIfAddr({ family: fam, addr: gw, len: p.len });
        if (fam === 4) net.gateway = addr; else net.gateway6 = addr;
        if (kind === "bridge") useAddr(fam, gw, [...path, g === undefined ? key : gkey], `the gateway of network ${name}`);
      }
      // The underlay's hosts are numbered from .11, as on a lab LAN with a few addresses kept free.
      const first = name === UNDERLAY && fam === 4 ? range.first + 10n : range.first;
      if (fam === 4) { net.subnet = formatPrefix(p); info.p4 = p; info.next4 = first; }
      else { net.subnet6 = formatPrefix(p); info.p6 = p; info.next6 = range.first; }
    }
    if (net.nat && !net.subnet) P.add([...path, "nat"], "nat needs a subnet to masquerade", "add subnet: or remove nat:", [path]);
    if (net.nat6 && !net.subnet6) P.add([...path, "nat6"], "nat6 needs a subnet6 to masquerade", "add subnet6: or remove nat6:", [path]);
    if (net.nat6 && net.internal) P.add([...path, "nat6"], "a network cannot be both internal and nat6", "drop one of them");
    if (net.nat && net.internal) P.add([...path, "nat"], "a network cannot be both internal and nat", "internal: true forbids traffic leaving the network; drop one of them");
    if (net.nat && !net.gateway && net.subnet) P.add([...path, "nat"], "nat needs a gateway: members reach the outside through it", "remove gateway: none");
    networks.push(net);
    netInfo.set(name, info);
  }

}

/**
 * The kernel name of a network's bridge: `bridge:` where netlab owns the namespace (a node, a
 * virtual host, an isolated lab's host), else the network's name in a holder, `<lab>-<network>`
 * (hashed to fit) in the lab's host. Claimed per namespace: two nodes may each have a cni0.
 */
function bridgeName(c: Ctx, r: Ctx["rawNets"][string], name: string, kind: Network["kind"], holder: string | null, path: KeyPath): { name: string; altname?: string } {
  const { P, claimIface } = c;
  if (r.bridge !== undefined) {
    if (kind !== "bridge") P.add([...path, "bridge"], `bridge: names a bridge network's bridge, and ${name} is ${kind}`, "leave it out");
    else if (holder === null && !c.isolated) P.add([...path, "bridge"], "a bridge in the lab's host namespace (shared with this machine) carries the lab's prefix", "hold the network in a node (in: NODE) or a virtual host (host: VM), or make the lab isolated (isolated: true)");
    else if (!/^[A-Za-z0-9_-]+$/.test(r.bridge)) P.add([...path, "bridge"], `"${r.bridge}" is not a bridge name netlab takes`, "letters, digits, '-' and '_' (a '.' would read as a sysctl separator), at most 15, e.g. cni0");
    else {
      claimIface(holder, r.bridge, [...path, "bridge"], `the bridge of network ${name}`);
      return { name: r.bridge };
    }
  }
  if (kind === "vxlan") return { name };
  if (!holder) {
    const kn = kernelName(c.lab, name);
    if (kind === "bridge") claimIface(null, kn.name, path, `the bridge of network ${name}`);
    return kn;
  }
  if (kind === "bridge") {
    const e = validIfName(name);
    if (e) P.add(path, `a bridge held in node ${holder} is named after its network: ${e}`, "use a shorter network name, or name the bridge (bridge: br0)");
    else claimIface(holder, name, path, `the bridge of network ${name}`);
  }
  return { name };
}
