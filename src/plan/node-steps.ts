// Inside one node, in one step: its loopback and marks, the devices it holds (kinds), its
// interfaces, routes and rules in one `ip -batch` (a router's forwarding written by the shell
// that becomes `ip`), then its own sysctls, its bridges' rules and its firewall.
import { publishedOn, type Lab, type Node } from "../lab/model.js";
import { ownerAlias } from "../net/names.js";
import { bridgeFeatures } from "./features/bridges.js";
import { conntrackOnUp } from "./features/conntrack.js";
import { gatewayFeature } from "./features/gateway.js";
import { nodeFirewall } from "./features/firewall.js";
import { publishFeature } from "./features/publish.js";
import { dnsFeature, dnsRoute } from "./features/dns.js";
import { dnsServerOf, dnsServers } from "../dns/servers.js";
import { intfLines, isV6, tcOps } from "./lines.js";
import type { Op, Step } from "./ops.js";
import type { Wiring } from "./placement.js";
import { Ruleset } from "./ruleset.js";
import { clusterNodeRules } from "./features/kube.js";
import { devKey } from "../net/sysctl.js";

export function nodeStep(lab: Lab, node: Node, w: Wiring): Step {
  const L = lab.name;
  const lo = ["link set dev lo up", `link set dev lo alias "${ownerAlias(L, `node ${node.name}`)}"`];
  const lines = [...lo, ...w.nodeLines(node.name)];
  const held = lines.length;
  for (const i of node.intfs) lines.push(...intfLines(i));
  lines.push(...node.routes.map((r) => `route replace ${r}`));
  const dns = dnsServerOf(lab, node);
  if (dns) lines.push(dnsRoute(dns));
  lines.push(...node.rules.map((r) => `rule add ${r}`));
  const has6 = node.intfs.some((i) => i.addrs.some(isV6));
  const heldNets = lab.networks.filter((n) => n.holder === node.name && n.kind === "bridge");
  const published = publishedOn(lab, node.name);
  const forward = node.forward || heldNets.some((n) => n.nat || n.nat6) || published.length > 0;
  const forwarding: Record<string, string> = {
    ...(dns ? { [devKey("ipv4", dns.dev, "route_localnet")]: "1" } : {}),
    // IPv6 on, before its addresses are added, on each interface the lab gives one: switched off
    // by hand, its addresses and routes go and cannot be added again until it is on (repair).
    ...Object.fromEntries(node.intfs.filter((i) => i.addrs.some(isV6)).map((i) => [devKey("ipv6", i.name, "disable_ipv6"), "0"])),
    ...Object.fromEntries(heldNets.filter((n) => n.gateway6).map((n) => [devKey("ipv6", n.bridge, "disable_ipv6"), "0"])),
    ...(forward ? { "net.ipv4.ip_forward": "1" } : {}),
    // 127.0.0.1:PORT of a virtual host reaches its published ports only if loopback addresses may leave through the bridge.
    ...Object.fromEntries([...new Set(published.map((p) => p.bridge))].map((b) => [devKey("ipv4", b, "route_localnet"), "1"])),
    ...((has6 || heldNets.some((n) => n.subnet6)) && (node.forward || heldNets.some((n) => n.nat6)) ? { "net.ipv6.conf.all.forwarding": "1" } : {}),
  };
  const ops: Op[] = [{ op: "ip", ns: node.ns, lines, ...(Object.keys(forwarding).length ? { sysctls: forwarding } : {}) }];
  // A lab's own sysctls go through sysctl(8), whose errors name the key.
  ops.push(...tcOps(node.ns, node.intfs));
  if (Object.keys(node.sysctls).length) ops.push({ op: "sysctl", ns: node.ns, values: node.sysctls });
  // The bridges' rules (in the lab's own chains) first, then the node's firewall (its own chains' policies).
  for (const fam of heldNets.some((n) => n.subnet6) ? ([4, 6] as const) : heldNets.length ? ([4] as const) : []) {
    const rs = new Ruleset(L, node.ns, fam);
    gatewayFeature(rs, lab, heldNets);
    bridgeFeatures(rs, heldNets, [], false);
    publishFeature(rs, lab, node.name);
    // Its networks with names: what their members send to 127.0.0.11:53 goes to its DNS server.
    dnsFeature(rs, heldNets.filter((n) => n.gateway && dnsServers(lab, node.name).includes(n.gateway.split("/")[0])));
    ops.push(...rs.ops());
  }
  ops.push(...clusterNodeRules(lab, node)); // a Kubernetes node's masquerade
  const forget = conntrackOnUp(lab, node.name, node.ns); // a virtual host's published UDP ports
  if (forget) ops.push(forget);
  ops.push(...(w.after.get(node.name) ?? []));
  for (const fam of node.firewall ? (has6 ? ([4, 6] as const) : ([4] as const)) : []) {
    const rs = new Ruleset(L, node.ns, fam);
    nodeFirewall(rs, node.firewall!, dnsServers(lab, node.name));
    ops.push(...rs.ops());
  }
  // Its batch by object: the ports of the members of bridges it holds are theirs (apply adds and removes them).
  const parts = w.nodeParts(node.name).length > 1 ? [{ id: "own", lines: lo }, ...w.nodeParts(node.name), { id: "own", lines: lines.slice(held) }] : undefined;
  return { id: `node:${node.name}`, title: `configure ${node.name}`, ops, undo: [], ...(parts ? { parts } : {}) };
}
