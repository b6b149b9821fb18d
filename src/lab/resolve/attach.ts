// Pass: nodes joining networks — interface names, static addresses first, then automatic ones in
// declaration order; the bridge ports limit.
import type { KeyPath } from "../../errors.js";
import { contains, formatAddr, formatIfAddr, formatPrefix, hostRange, isNetworkOrBroadcast, parseIfAddr, type Family } from "../../net/ip.js";
import { kernelName } from "../../net/names.js";
type ParsedIfAddr = NonNullable<ReturnType<typeof parseIfAddr>>;
import type { Network, Node } from "../model.js";
import { BRIDGE_MAX_PORTS, Ctx, UNDERLAY } from "./context.js";
import { closest, DNS_NAME, validMac } from "./util.js";

export function attachPass(c: Ctx): void {
  const { P, lab, rawNodes, nodeNames, netNames, nodes, addrs, useAddr, intfNames, claimIface, networks, netInfo } = c;
  const ifaceCounter = new Map<string, number>();
  const nextIface = (node: string) => {
    const used = intfNames.get(node) ?? new Map();
    let i = ifaceCounter.get(node) ?? 0;
    while (used.has(`eth${i}`)) i++;
    ifaceCounter.set(node, i + 1);
    return `eth${i}`;
  };
  // Static addresses are claimed first so that automatic ones skip them.
  type Att = { node: string; net: string; path: KeyPath; ip?: string; ip6?: string; iface?: string; mac?: string; aliases?: string[] };
  const atts: Att[] = [];
  for (const name of nodeNames) {
    const r = rawNodes[name] ?? {};
    const list = r.networks;
    if (!list) continue;
    if (Array.isArray(list)) {
      const seen = new Set<string>();
      list.forEach((net, i) => {
        if (seen.has(net)) P.add([...c.nodePath(name), "networks", i], `network ${net} is listed twice`, "a node joins a network once");
        seen.add(net);
        atts.push({ node: name, net, path: [...c.nodePath(name), "networks", i] });
      });
    } else {
      // A virtual host's place on the underlay is its `underlay:` address.
      for (const [net, a] of Object.entries(list)) atts.push({ node: name, net, path: [...c.nodePath(name), "networks", net], ...(a ?? {}) });
    }
  }
  for (const a of atts) {
    if (!netInfo.has(a.net)) {
      P.add(a.path, `no network named "${a.net}"`, netNames.length ? `networks: ${netNames.join(", ")}${closest(a.net, netNames) ? ` (did you mean ${closest(a.net, netNames)}?)` : ""}` : "define it under networks:");
      P.broken(c.nodePath(a.node)); // what it lacks for want of that network follows from this
      continue;
    }
    if (P.isBroken(c.netPath(a.net))) P.broken(c.nodePath(a.node));
    if (a.iface !== undefined) claimIface(a.node, a.iface, [...a.path, "iface"]);
  }
  const staticAddr = (a: Att, fam: Family): IfAddrOrNull => {
    const info = netInfo.get(a.net)!;
    const text = fam === 4 ? a.ip : a.ip6;
    const key = fam === 4 ? "ip" : "ip6";
    const p = fam === 4 ? info.p4 : info.p6;
    if (text === undefined) return null;
    const ia = parseIfAddr(text, p?.len);
    if (!ia) {
      P.add([...a.path, key], p || text.includes("/") ? `"${text}" is not an IPv${fam} address` : `${text} needs a prefix length: network ${a.net} has no ${fam === 4 ? "subnet" : "subnet6"}`,
        p ? `write it like ${formatAddr(fam, hostRange(p).first + 9n)}` : `write it like ${fam === 4 ? "10.0.0.5/24" : "fd00::5/64"}`, [c.netPath(a.net)]);
      return undefined;
    }
    if (ia.family !== fam) { P.add([...a.path, key], `${text} is IPv${ia.family}; ${key} takes IPv${fam}`, fam === 4 ? "use ip6: for IPv6" : "use ip: for IPv4"); return undefined; }
    if (p) {
      if (!contains(p, fam, ia.addr)) { P.add([...a.path, key], `${text} is outside subnet ${formatPrefix(p)} of network ${a.net}`, `use an address in ${formatPrefix(p)}, or leave ${key} out for automatic assignment`); return undefined; }
      if (ia.len !== p.len) { P.add([...a.path, key], `${text} has prefix /${ia.len} but network ${a.net} is ${formatPrefix(p)}`, `write ${formatAddr(fam, ia.addr)} without a prefix`); return undefined; }
      if (isNetworkOrBroadcast(p, ia.addr)) { P.add([...a.path, key], `${text} is the network or broadcast address of ${formatPrefix(p)}`, `use a host address of ${formatPrefix(p)}`); return undefined; }
    }
    if (!useAddr(fam, ia.addr, [...a.path, key], `node ${a.node} on network ${a.net}`)) return undefined;
    return ia;
  };
  type IfAddrOrNull = ReturnType<typeof parseIfAddr> | undefined;
  const resolvedStatic = atts.map((a) => (netInfo.has(a.net) ? { v4: staticAddr(a, 4), v6: staticAddr(a, 6) } : null));
  // Then the automatic addresses the lab as it is up gave (sticky): an edit renumbers nobody.
  atts.forEach((a, i) => {
    const st = resolvedStatic[i];
    if (st) for (const fam of [4, 6] as const) if ((fam === 4 ? st.v4 : st.v6) === null) st[fam === 4 ? "v4" : "v6"] = kept(c, a, fam);
  });
  atts.forEach((a, i) => {
    const info = netInfo.get(a.net);
    const st = resolvedStatic[i];
    if (!info || !st) return;
    const node = nodes.get(a.node)!;
    if (info.net.holder === a.node && info.net.kind === "bridge") {
      P.add(a.path, `node ${a.node} holds the bridge of network ${a.net} (in: ${a.node}); it is on that network through the bridge itself`, `remove ${a.net} from nodes.${a.node}.networks`);
      return;
    }
    const misplaced = placement(c, node, info.net);
    if (misplaced) {
      P.add(a.path, misplaced[0], misplaced[1]);
      return;
    }
    const addrsOut: string[] = [];
    for (const fam of [4, 6] as const) {
      const p = fam === 4 ? info.p4 : info.p6;
      let ia = fam === 4 ? st.v4 : st.v6;
      if (ia === undefined) continue; // error already reported
      if (ia === null && p) {
        const range = hostRange(p);
        const start = fam === 4 ? info.next4! : info.next6!;
        // Not an address the version up gives another node (one removed now): others' ARP caches still know it.
        const free = (from: bigint, recentToo: boolean) => {
          let n = from;
          while (n <= range.last && (addrs.has(`${fam}:${n}`) || (recentToo && c.recent.has(`${fam}:${n}`)))) n++;
          return n;
        };
        let next = free(start, true);
        if (next > range.last) next = free(range.first, false);
        if (next > range.last) { P.add(a.path, `network ${a.net} (${formatPrefix(p)}) has no free address left for ${a.node}`, "use a larger subnet"); continue; }
        useAddr(fam, next, a.path, `node ${a.node} on network ${a.net}`);
        ia = { family: fam, addr: next, len: p.len };
        if (fam === 4) info.next4 = next + 1n; else info.next6 = next + 1n;
      }
      if (ia) addrsOut.push(formatIfAddr(ia));
    }
    if (a.mac !== undefined && !validMac(a.mac)) P.add([...a.path, "mac"], `"${a.mac}" is not a unicast MAC address`, "write it like 02:42:ac:14:00:02 (first byte even)");
    const iface = a.iface ?? nextIface(a.node);
    if (a.iface === undefined) claimIface(a.node, iface, a.path);
    const net = info.net;
    if (net.kind === "macvlan" || net.kind === "ipvlan" || net.kind === "vlan") {
      if (!net.parent) return; // its missing parent is reported already
      node.intfs.push({ kind: net.kind, name: iface, addrs: addrsOut, mac: a.mac, mtu: net.mtu, network: a.net, aliases: a.aliases, parent: { node: net.parent!.node, name: net.parent!.iface }, mode: net.mode, vlanId: net.vlanId });
    } else {
      // The bridge-side end lives with the bridge: in its holder, or for an overlay in the member's host.
      const side = net.kind === "vxlan" ? (node.host ?? null) : net.holder;
      const peer = side ? { node: side, ...kernelName(a.net, a.node) } : { node: null, ...kernelName(lab, a.node, iface) };
      claimIface(side, peer.name, a.path, `the ${side ? `side on ${side}` : "host side"} of ${a.node}:${iface}`);
      node.intfs.push({ kind: net.kind, name: iface, addrs: addrsOut, mac: a.mac, mtu: net.mtu, network: a.net, ...(a.aliases ? { aliases: a.aliases } : {}), peer: { ...peer, bridge: net.bridge } });
    }
    info.members.push(a.node);
  });
  for (const net of networks) if (net.holder && net.kind === "bridge") nodes.get(net.holder)?.bridges.push(net.name);
  aliasesCheck(c, atts);
  // A Linux bridge numbers its ports in 10 bits, 0 reserved: past 1,023 members the kernel says "Exchange full".
  for (const [name, info] of netInfo)
    if (info.members.length > BRIDGE_MAX_PORTS)
      P.add(["networks", name], `network ${name} has ${info.members.length} members; a Linux bridge takes at most ${BRIDGE_MAX_PORTS} ports`, "spread the nodes over several networks (joined by a router), or wire some of them with links");

}

/** The address of `fam` node `a.node` had on `a.net` in the lab as it is up, claimed again if it is still free and fits; else null (a new one). */
function kept(c: Ctx, a: { node: string; net: string; path: KeyPath }, fam: Family): ParsedIfAddr | null {
  const p = fam === 4 ? c.netInfo.get(a.net)!.p4 : c.netInfo.get(a.net)!.p6;
  for (const text of c.sticky.get(`${a.node}|${a.net}`) ?? []) {
    const ia = parseIfAddr(text, p?.len);
    if (!p || !ia || ia.family !== fam || ia.len !== p.len || !contains(p, fam, ia.addr) || isNetworkOrBroadcast(p, ia.addr)) continue;
    if (c.addrs.has(`${fam}:${ia.addr}`)) return null;
    c.useAddr(fam, ia.addr, a.path, `node ${a.node} on network ${a.net}`);
    return ia;
  }
  return null;
}

/** Why a node cannot be on a network where the two live, as [message, hint]; null when it can. */
function placement(c: Ctx, node: Node, net: Network): [string, string] | null {
  const where = (h: string | null | undefined) => (h ? `host ${h}` : "the lab's host");
  const home = node.host ?? null;
  if (node.vhost) return net.name === UNDERLAY || (net.kind === "bridge" && net.holder === null) ? null : [`virtual host ${node.name} joins only networks of the lab's host`, "put a node on it instead (host: " + node.name + ")"];
  if (home !== null && !c.vhosts.has(home)) return [`node ${node.name} is on host ${home}, which is not a virtual host`, c.vhosts.size ? `hosts: ${[...c.vhosts].join(", ")}` : "define it under hosts:"];
  if (net.name === UNDERLAY) return [`the underlay joins the virtual hosts, not nodes`, "put the node on a network of its host"];
  if (net.kind === "vxlan") return home !== null && net.spans!.includes(home) ? null : [`node ${node.name} is on ${where(home)}, where network ${net.name} does not reach`, `the vxlan network spans ${net.spans!.join(", ")}: give the node host: one of them`];
  if (net.kind === "bridge") {
    const netHome = net.holder !== null && c.vhosts.has(net.holder) ? net.holder : null;
    if (netHome === home || (home === null && net.holder !== null && !c.vhosts.has(net.holder))) return null;
    return [`node ${node.name} is on ${where(home)} and network ${net.name} on ${where(netHome)}`, netHome ? `give the node host: ${netHome}` : `put the network on ${where(home)} (host: ${home})`];
  }
  const parent = net.parent?.node ?? null;
  if (parent !== null && c.vhosts.has(parent) && parent !== home) return [`node ${node.name} is on ${where(home)}, and network ${net.name} hangs off ${parent}`, `give the node host: ${parent}`];
  return null;
}

/** Aliases are DNS names, and never a name another node of the network already answers to. */
function aliasesCheck(c: Ctx, atts: { node: string; net: string; path: KeyPath; aliases?: string[] }[]): void {
  const members = new Map<string, Set<string>>();
  for (const a of atts) (members.get(a.net) ?? members.set(a.net, new Set()).get(a.net)!).add(a.node);
  for (const a of atts)
    (a.aliases ?? []).forEach((alias, i) => {
      const p: KeyPath = [...a.path, "aliases", i];
      if (!DNS_NAME.test(alias)) c.P.add(p, `"${alias}" is not a DNS name`, "letters, digits, '-' and '_', in labels of at most 63 characters, e.g. db or db-primary");
      else if (alias === a.node) c.P.add(p, `"${alias}" is ${a.node}'s own name already`, "leave it out");
      else if (members.get(a.net)?.has(alias)) c.P.add(p, `alias "${alias}" is the name of node ${alias} on network ${a.net}`, "an alias cannot take a node's name: it would answer with two different machines");
    });
}
