// Pass: point-to-point veth links — endpoints, subnets and addresses.
import type { KeyPath } from "../../errors.js";
import { contains, formatAddr, formatIfAddr, formatPrefix, hostRange, IPV6_MIN_MTU, parseIfAddr, parsePrefix, prefixOf, type Family, type Prefix } from "../../net/ip.js";
import type { Intf } from "../model.js";
import { Ctx } from "./context.js";
import { closest, validMac } from "./util.js";

export function linksPass(c: Ctx): void {
  const { P, nodeNames, nodes, host, seenPrefixes, addrs, useAddr, claimIface, raw } = c;
  const links = c.links;
  (raw.links ?? []).forEach((l, li) => {
    const path: KeyPath = ["links", li];
    const eps = l.endpoints.map((e, ei) => {
      const epath: KeyPath = [...path, "endpoints", ei];
      if (typeof e === "string") {
        const m = /^([^:]+):([^:]+)$/.exec(e);
        if (!m) { P.add(epath, `"${e}" is not of the form node:iface`, 'write it like "red:eth0" or "host:veth-red"'); return null; }
        return { node: m[1], iface: m[2], path: epath } as { node: string; iface: string; ip?: string; ip6?: string; mac?: string; path: KeyPath };
      }
      return { ...e, path: epath };
    });
    if (!eps[0] || !eps[1]) return;
    let ok = true;
    for (const e of eps) {
      if (!e) continue;
      if (e.node !== "host" && !nodes.has(e.node)) {
        const g = closest(e.node, nodeNames);
        P.add(e.path, `no node named "${e.node}"`, g ? `did you mean ${g}?` : `nodes: ${nodeNames.join(", ") || "(none)"}; "host" means the lab's host`);
        ok = false;
        continue;
      }
      claimIface(e.node === "host" ? null : e.node, e.iface, e.path);
    }
    if (eps[0].node === eps[1].node && eps[0].node !== "host") {
      // A veth between two interfaces of one namespace is legal but almost always a typo.
      P.add(path, `both endpoints are on node ${eps[0].node}`, "a link joins two different nodes (or a node and host)");
      ok = false;
    }
    if (eps[0].node === "host" && eps[1].node === "host") { P.add(path, "both endpoints are on host", "a link joins two different nodes (or a node and host)"); ok = false; }
    const fams: Record<Family, { p?: Prefix; key: string }> = { 4: { key: "subnet" }, 6: { key: "subnet6" } };
    for (const fam of [4, 6] as const) {
      const text = fam === 4 ? l.subnet : l.subnet6;
      if (text === undefined) continue;
      const p = parsePrefix(text, true);
      if (!p || p.family !== fam) {
        const loose = parsePrefix(text, false);
        P.add([...path, fams[fam].key], loose && loose.family === fam ? `${text} has host bits set` : `"${text}" is not an IPv${fam} prefix`, loose && loose.family === fam ? `did you mean ${formatPrefix(loose)}?` : undefined);
        continue;
      }
      if ((fam === 4 && p.len > 31) || (fam === 6 && p.len > 127)) { P.add([...path, fams[fam].key], `${text} has no room for two endpoints`, "use /31 or larger (IPv4), /127 or larger (IPv6)"); continue; }
      fams[fam].p = p;
      seenPrefixes.push({ p, path: [...path, fams[fam].key], what: `link ${li + 1}` });
    }
    const epAddrs: string[][] = [[], []];
    for (const fam of [4, 6] as const) {
      const p = fams[fam].p;
      const key = fam === 4 ? "ip" : "ip6";
      let auto = p ? hostRange(p).first : 0n;
      for (let i = 0; i < 2; i++) {
        const e = eps[i]!;
        const text = fam === 4 ? e.ip : e.ip6;
        let ia: ReturnType<typeof parseIfAddr> = null;
        if (text !== undefined) {
          ia = parseIfAddr(text, p?.len);
          if (!ia || ia.family !== fam) { P.add([...e.path, key], `"${text}" is not an IPv${fam} address${p ? "" : " with a prefix length"}`, fam === 4 ? "write it like 10.0.2.1/24" : "write it like fd00:2::1/64"); continue; }
          if (p && !contains(p, fam, ia.addr)) { P.add([...e.path, key], `${text} is outside the link's subnet ${formatPrefix(p)}`, `use an address in ${formatPrefix(p)}`); continue; }
          if (p && ia.len !== p.len) { P.add([...e.path, key], `${text} has prefix /${ia.len} but the link's subnet is ${formatPrefix(p)}`, `write ${formatAddr(fam, ia.addr)} without a prefix`); continue; }
          if (!p) seenPrefixes.push({ p: prefixOf(ia), path: [...e.path, key], what: `link ${li + 1}` });
        } else if (p) {
          while (addrs.has(`${fam}:${auto}`)) auto++;
          ia = { family: fam, addr: auto, len: p.len };
          auto++;
        }
        if (ia && useAddr(fam, ia.addr, [...e.path, ...(text !== undefined ? [key] : [])], `${e.node}:${e.iface} (link ${li + 1})`)) epAddrs[i].push(formatIfAddr(ia));
      }
    }
    if (!ok) return;
    if (l.mtu !== undefined && l.mtu < IPV6_MIN_MTU && epAddrs.flat().some((a) => a.includes(":")))
      P.add([...path, "mtu"], `IPv6 needs an MTU of at least ${IPV6_MIN_MTU}, and this link's is ${l.mtu}`, `raise mtu: to ${IPV6_MIN_MTU} or more, or give the link no IPv6 (subnet6:, ip6:)`);
    for (const e of eps) if (e!.mac !== undefined && !validMac(e!.mac)) P.add([...e!.path, "mac"], `"${e!.mac}" is not a unicast MAC address`, "write it like 02:42:ac:14:00:02");
    links.push({ index: li, endpoints: [{ node: eps[0].node, iface: eps[0].iface }, { node: eps[1].node, iface: eps[1].iface }], mtu: l.mtu });
    for (let i = 0; i < 2; i++) {
      const e = eps[i]!, o = eps[1 - i]!;
      const intf: Intf = { kind: "veth", name: e.iface, addrs: epAddrs[i], mac: e.mac, mtu: l.mtu, link: li, peer: { node: o.node === "host" ? null : o.node, name: o.iface } };
      if (e.node === "host") host.intfs.push(intf);
      else nodes.get(e.node)!.intfs.push(intf);
    }
  });

}
