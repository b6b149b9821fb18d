// The lab's host namespace: its wiring (made by the kinds), routes, sysctls and rules.
import { publishedOn, type Lab } from "../lab/model.js";
import { bridgeFeatures } from "./features/bridges.js";
import { conntrackOnDown, conntrackOnUp } from "./features/conntrack.js";
import { gatewayFeature } from "./features/gateway.js";
import { hostFirewall } from "./features/firewall.js";
import { publishFeature } from "./features/publish.js";
import { dnsFeature } from "./features/dns.js";
import { isV6, tcOps } from "./lines.js";
import type { Op, Step } from "./ops.js";
import { nsOf, type Wiring } from "./placement.js";
import { Ruleset } from "./ruleset.js";
import { dnsServers } from "../dns/servers.js";
import { devKey } from "../net/sysctl.js";

export function hostSteps(lab: Lab, w: Wiring): Step[] {
  const L = lab.name;
  const H = lab.hostNs;
  const steps: Step[] = [];
  const wire = [...(H ? ["link set dev lo up", `link set dev lo alias "netlab:${L}:host"`] : []), ...w.host];
  // IPv6 on where the lab gives a device of the host an IPv6 address, as in a node (node-steps.ts).
  const v6 = [...lab.networks.filter((n) => !n.holder && n.kind === "bridge" && n.gateway6).map((n) => n.bridge), ...lab.host.intfs.filter((i) => i.addrs.some(isV6)).map((i) => i.name)];
  const on6 = v6.length ? { sysctls: Object.fromEntries(v6.map((d) => [devKey("ipv6", d, "disable_ipv6"), "0"])) } : {};
  if (wire.length) {
    steps.push({
      id: "host-links",
      title: `bridges and veth pairs${H ? ` in ${H}` : " in the host namespace"}`,
      ops: [{ op: "ip", ns: H, lines: wire, ...on6 }, ...tcOps(H, lab.host.intfs)],
      // Host-end veths whose peer sits in a lab namespace vanish with it; bridges and host links are deleted explicitly.
      undo: w.hostUndo.length ? [{ op: "ip", ns: H, force: true, lines: w.hostUndo }] : [],
      parts: [{ id: "host", lines: wire.slice(0, wire.length - w.host.length) }, ...w.hostParts],
    });
  }
  // Devices that hang off a parent in a node or virtual host (macvlan, ipvlan, vlan), made there
  // once the cables exist and before any node is configured.
  for (const [holder, lines] of w.pre)
    steps.push({ id: `parents:${holder}`, title: `devices of ${holder}'s interfaces for other namespaces`, ops: [{ op: "ip", ns: nsOf(lab, holder), lines }], undo: [] });
  const overrides = new Set(lab.host.replaceRoutes);
  const plainRoutes = lab.host.routes.filter((r) => !overrides.has(r));
  if (plainRoutes.length) {
    steps.push({
      id: "host-routes",
      title: "host routes",
      ops: [{ op: "ip", ns: H, lines: plainRoutes.map((r) => `route replace ${r}`) }],
      undo: [{ op: "ip", ns: H, force: true, lines: plainRoutes.map((r) => `route delete ${r}`) }],
    });
  }
  // Routes that override the host's own: each journals what it replaces just before (route-restore).
  if (overrides.size) {
    steps.push({ id: "host-route-overrides", title: "host routes that override the host's own", ops: [...overrides].map((route) => ({ op: "route-override", ns: H, route }) as Op), undo: [] });
  }
  // Host sysctls: forwarding for NAT / routing, plus what the lab asks for.
  const hostNets = lab.networks.filter((n) => !n.holder && n.kind === "bridge");
  const published = publishedOn(lab, null);
  const hostForward = lab.host.forward || hostNets.some((n) => n.nat) || published.length > 0;
  const hostHas6 = hostNets.some((n) => n.subnet6) || lab.host.intfs.some((i) => i.addrs.some(isV6));
  const hostSysctls: Record<string, string> = {
    ...(hostForward ? { "net.ipv4.ip_forward": "1" } : {}),
    ...(hostHas6 && (lab.host.forward || hostNets.some((n) => n.nat6)) ? { "net.ipv6.conf.all.forwarding": "1" } : {}),
    // 127.0.0.1:PORT reaches a published port only if the kernel may route loopback addresses out the bridge.
    ...Object.fromEntries([...new Set(published.map((p) => p.bridge))].map((b) => [devKey("ipv4", b, "route_localnet"), "1"])),
    ...lab.host.sysctls,
  };
  if (Object.keys(hostSysctls).length) {
    // The lab's own host namespace (isolated) goes as a whole; a shared one gets its values back from the ledger.
    const shared = H === null;
    steps.push({
      id: "host-sysctls",
      title: "host sysctls",
      ops: [{ op: "sysctl", ns: H, values: hostSysctls, restore: shared }],
      undo: shared ? [{ op: "host-release", ns: H, lab: L, sysctls: Object.keys(hostSysctls) }] : [],
    });
  }
  const hostIfaces = [...hostNets.map((n) => n.bridge), ...lab.host.intfs.map((i) => i.name)];
  // IPv6 gets the same isolation (and NAT66 where asked for) once the lab has IPv6 in the host.
  const rules = (hostHas6 ? ([4, 6] as const) : ([4] as const)).flatMap((fam) => {
    const rs = new Ruleset(L, H, fam);
    gatewayFeature(rs, lab, hostNets);
    // A host firewall that closes forwarding decides what is routed: no blanket accept between the lab's interfaces.
    bridgeFeatures(rs, hostNets, hostIfaces, lab.host.forward && lab.host.firewall?.forward !== "drop");
    publishFeature(rs, lab, null);
    // Only the networks whose members ask the lab's DNS server (dnsServers lists their gateways).
    dnsFeature(rs, hostNets.filter((n) => n.gateway && dnsServers(lab).includes(n.gateway.split("/")[0])));
    if (lab.host.firewall) hostFirewall(rs, lab.host.firewall, dnsServers(lab));
    return rs.ops();
  });
  if (rules.length) {
    const clean = [...new Set(rules.map((o) => (o as { family: 4 | 6 }).family))].map((family) => ({ op: "iptables-clean", ns: H, family, lab: L }) as Op);
    // Flows whose translation the rules change are forgotten once the rules are in, and once they are out.
    const [onUp, onDown] = [conntrackOnUp(lab, null, H), conntrackOnDown(lab, null, H, hostNets)];
    steps.push({
      id: "host-iptables",
      title: "host iptables (NAT, isolation, published ports)",
      ops: [...rules, ...(onUp ? [onUp] : [])],
      undo: H === null ? [...clean, ...(onDown ? [onDown] : [])] : [],
    });
  }
  return steps;
}
