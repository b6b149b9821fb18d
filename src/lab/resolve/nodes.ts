// Pass: each node's own settings — routes, rules, sysctls, commands, DNS, firewall, published
// ports, its default route, extra hosts entries.
import type { KeyPath } from "../../errors.js";
import { contains, formatPrefix, parseAddr, parseIfAddr, parsePrefix, prefixOf, type Family, type Prefix } from "../../net/ip.js";
import { routeKey } from "../../net/route.js";
import { networkOf } from "../model.js";
import { Ctx } from "./context.js";
import { resolveFirewall } from "./firewall.js";
import { resolvePublish, type Taken } from "./publish.js";
import { isMainDefault, resolveRoutes } from "./routes.js";
import { forwardingOff, ipv6OnHeld, resolveFiles, resolveSysctls, sysctlIfaces, withoutIpv6WhereOff } from "./sysctls.js";
import { asList, checkCommand, unsafeLine } from "./util.js";

export function nodesPass(c: Ctx): void {
  const { P, rawNodes, nodeNames, nodes, networks, netInfo } = c;
  const published: Taken[] = []; // for conflicts between nodes
  for (const name of nodeNames) {
    const r = rawNodes[name] ?? {};
    const node = nodes.get(name)!;
    const path: KeyPath = c.nodePath(name);
    if (node.host !== undefined && !c.vhosts.has(node.host)) P.add([...path, "host"], `no virtual host named "${node.host}"`, c.vhosts.size ? `hosts: ${[...c.vhosts].join(", ")}` : "define it under hosts:");
    node.files = resolveFiles(P, r.files, [...path, "files"]);
    const ifaces = new Set([...node.intfs.map((i) => i.name), ...node.bridges.map((b) => networks.find((n) => n.name === b)!.bridge)]);
    const heldNets = networks.filter((n) => n.holder === name && n.kind === "bridge");
    const who = `${node.vhost ? "virtual host" : "node"} ${name}`;
    node.forward = r.forward ?? false;
    // Its sysctls before its routes: where they turn IPv6 off, its interfaces have no IPv6 address to route by.
    node.sysctls = resolveSysctls(P, r.sysctls, [...path, "sysctls"]);
    const attached = r.networks && !Array.isArray(r.networks) ? r.networks : {};
    withoutIpv6WhereOff(P, node, (i) => attached[networkOf(i) ?? ""]?.ip6 !== undefined, [...path, "sysctls"]);
    forwardingOff(P, node.sysctls, node.forward, [...path, "sysctls"]);
    sysctlIfaces(P, node.sysctls, ifaces, who, [...path, "sysctls"]);
    ipv6OnHeld(P, node.sysctls, heldNets, [...path, "sysctls"]);
    const held = heldNets.flatMap((n) => [n.gateway, n.gateway6].filter((g): g is string => !!g));
    const connected = [...node.intfs.flatMap((i) => i.addrs), ...held].map((a) => prefixOf(parseIfAddr(a)!));
    node.routes = resolveRoutes(P, r.routes ?? [], [...path, "routes"], ifaces, who, connected, [path]);
    (r.routes ?? []).forEach((x, i) => {
      if (typeof x === "object" && x.replace !== undefined) P.add([...path, "routes", i, "replace"], "replace is for host.routes: a node's namespace has no routes but the lab's", "remove replace:");
    });
    node.rules = (r.rules ?? []).flatMap((rule, i) => {
      if (unsafeLine(rule) || rule.trim() === "") { P.add([...path, "rules", i], "a rule is one line in `ip rule` form", 'e.g. "from 192.168.1.0/24 table 100"'); return []; }
      const t = rule.trim().split(/\s+/);
      for (let k = 0; k < t.length - 1; k++)
        if ((t[k] === "from" || t[k] === "to") && t[k + 1] !== "all" && !parsePrefix(t[k + 1].includes("/") ? t[k + 1] : `${t[k + 1]}/${t[k + 1].includes(":") ? 128 : 32}`, false)) {
          P.add([...path, "rules", i], `"${t[k]} ${t[k + 1]}" needs an address or prefix`, 'e.g. "from 192.168.1.0/24 table 100", or "from all"');
          return [];
        }
      // ip -batch takes no -6 per line, and `ip rule` is IPv4 without it: refused here, not half-way through up.
      if (t.some((w, k) => k > 0 && (t[k - 1] === "from" || t[k - 1] === "to") && w.includes(":"))) {
        P.add([...path, "rules", i], "ip rules for IPv6 addresses are not supported yet", "policy routing here is IPv4: from/to an IPv4 prefix");
        return [];
      }
      return [rule.trim()];
    });
    node.run = asList(r.run).filter((c, i) => checkCommand(P, c, [...path, "run", ...(Array.isArray(r.run) ? [i] : [])]));
    node.exec = asList(r.exec).filter((c, i) => checkCommand(P, c, [...path, "exec", ...(Array.isArray(r.exec) ? [i] : [])]));
    node.labels = r.labels ?? {};
    if (r.dns?.upstreams) {
      r.dns.upstreams.forEach((a, i) => { if (!parseAddr(a)) P.add([...path, "dns", "upstreams", i], `"${a}" is not an IP address`, "upstreams are addresses of DNS servers, e.g. 10.0.0.53"); });
      node.upstreams = r.dns.upstreams;
    }
    if (r.dns && (r.dns.nameservers || r.dns.search || r.dns.options)) {
      const ns = r.dns.nameservers ?? [];
      ns.forEach((a, i) => { if (!parseAddr(a)) P.add([...path, "dns", "nameservers", i], `"${a}" is not an IP address`, "nameservers are addresses, e.g. 10.0.0.53"); });
      (r.dns.search ?? []).forEach((d, i) => { if (!/^[A-Za-z0-9.-]+$/.test(d)) P.add([...path, "dns", "search", i], `"${d}" is not a domain name`); });
      (r.dns.options ?? []).forEach((o, i) => { if (!/^[a-z][a-z0-9-]*(:\d{1,4})?$/.test(o)) P.add([...path, "dns", "options", i], `"${o}" is not a resolv.conf option`, "as resolv.conf(5) writes them, e.g. ndots:5, timeout:1, edns0"); });
      node.resolv = { nameservers: ns, search: r.dns.search ?? [], ...(r.dns.options ? { options: r.dns.options } : {}) };
    }
    if (r.firewall) node.firewall = resolveFirewall(P, r.firewall, [...path, "firewall"]);
    node.publish = resolvePublish(P, r.publish ?? [], [...path, "publish"], node, networks, published);
    // Default routes: from the first network with a gateway, per family, unless the node sets its own.
    for (const fam of [4, 6] as const) {
      const hasDefault = node.routes.some((l) => isMainDefault(l, fam));
      if (hasDefault) continue;
      const first = node.intfs.find((i) => {
        const net = i.kind !== "veth" ? netInfo.get(i.network)?.net : undefined;
        return net && !net.internal && (fam === 4 ? net.gateway : net.gateway6) && i.addrs.some((a) => a.includes(":") === (fam === 6));
      });
      if (first) {
        const net = netInfo.get(networkOf(first)!)!.net;
        const gw = (fam === 4 ? net.gateway! : net.gateway6!).split("/")[0];
        node.routes.push(`${fam === 4 ? "default" : "::/0"} via ${gw} dev ${first.name}`);
      }
    }
    // A nameserver the node has no way to reach would make every lookup wait for nothing.
    (node.resolv?.nameservers ?? []).forEach((ns, i) => {
      const a = parseAddr(ns);
      if (a && !routable(node.routes, connected, a.family, a.addr))
        P.add([...path, "dns", "nameservers", i], `nameserver ${ns} is on no network ${name} reaches, and ${name} has no route to it`, `use an address on one of its networks (${connected.filter((p) => p.family === a.family).map(formatPrefix).join(", ") || "it has none"}), or give it a route`);
    });
  }
  // Extra hosts entries; the network-derived ones are computed when the files are written.
  for (const name of nodeNames) {
    const node = nodes.get(name)!;
    const extra = (rawNodes[name] ?? {}).hosts;
    const entries: [string, string, KeyPath][] = [];
    if (Array.isArray(extra))
      extra.forEach((e, i) => {
        const k = e.indexOf(":"), p: KeyPath = [...c.nodePath(name), "hosts", i];
        if (k < 0) P.add(p, `"${e}" is not "name:address"`, 'write entries as "db:10.0.0.5", or as a map: db: 10.0.0.5');
        else entries.push([e.slice(0, k), e.slice(k + 1), p]);
      });
    else for (const [h, a] of Object.entries(extra ?? {})) entries.push([h, a, [...c.nodePath(name), "hosts", h]]);
    for (const [h, a, p] of entries) {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(h)) { P.add(p, `"${h}" is not a host name`, 'write entries as name: address, or "name:address"'); continue; }
      if (!parseAddr(a)) { P.add(p, `"${a}" is not an IP address`, 'write entries as name: address, e.g. db: 10.0.0.5'); continue; }
      node.extraHosts.push([a, h]);
    }
  }

}

/** Whether a node has a way to an address: a network it is on, or a route (default included) of its main table. */
function routable(routes: string[], connected: Prefix[], family: Family, addr: bigint): boolean {
  if (connected.some((p) => contains(p, family, addr))) return true;
  return routes.some((line) => {
    const k = routeKey(line);
    if (!k || k.family !== family || k.table !== "main" || /^(blackhole|unreachable|prohibit) /.test(line)) return false;
    const p = parsePrefix(k.dst, false);
    return !!p && contains(p, family, addr);
  });
}
