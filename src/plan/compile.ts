// Lab → Plan. Pure: reads nothing from the system, so plans are golden-testable
// without root. Phases run in order; steps of a concurrent phase run at once.
import { dnsNetworks, networkMembers, type Intf, type Lab, type Node } from "../lab/model.js";
import { ownerAlias } from "../net/names.js";
import { bridgeFeatures } from "./features/bridges.js";
import { hostFirewall, nodeFirewall } from "./features/firewall.js";
import { publishFeature } from "./features/publish.js";
import { Ruleset } from "./ruleset.js";
import type { Ns, Op, Phase, Plan, Step } from "./ops.js";
import { NETNS_ETC } from "../state/paths.js";

/** From this many namespaces on, they are made by two processes at once. */
const NS_SPLIT = 128;

export interface CompileOptions {
  /** Where state, logs and pid files go: /run/netlab/<lab>. */
  stateDir: string;
  /** The host's /etc/resolv.conf, handed to nodes that reach the outside through NAT (as Docker does). */
  hostResolv?: string;
  /** Where nodes' hosts and resolv.conf files go (a tmpfs: see FILES_ROOT); else <stateDir>/etc. */
  filesDir?: string;
}

const isV6 = (a: string) => a.includes(":");

function addrLines(i: Intf): string[] {
  // nodad: an IPv6 address is usable at once instead of after duplicate detection.
  return i.addrs.map((a) => `address add ${a} dev ${i.name}${isV6(a) ? " nodad" : ""}`);
}

/**
 * An interface without IPv6 addresses gets no IPv6 link-local address either
 * (addrgenmode none): it spares the kernel DAD and MLD work for every interface,
 * which halves the time to bring up a large lab, and keeps `ip addr` to what the lab says.
 */
function noV6(name: string): string {
  return `link set dev ${name} addrgenmode none`;
}

function intfLines(i: Intf): string[] {
  return [
    ...(i.mtu ? [`link set dev ${i.name} mtu ${i.mtu}`] : []),
    ...(i.mac ? [`link set dev ${i.name} address ${i.mac}`] : []),
    ...(i.addrs.some(isV6) ? [] : [noV6(i.name)]),
    ...addrLines(i),
    `link set dev ${i.name} up`,
  ];
}

function markLines(name: string, alias: string, altname?: string): string[] {
  return [`link set dev ${name} alias "${alias}"`, ...(altname ? [`link property add dev ${name} altname ${altname}`] : [])];
}

/** /etc/hosts of a node. Blocks per network are computed once: a 1,000-node star shares one. */
export function hostsFile(lab: Lab, node: Node, blocks = new Map<string, string>()): string {
  const nets = dnsNetworks(lab, node);
  const lines = [
    `# Written by netlab for lab ${lab.name}; removed by \`netlab down ${lab.name}\`.`,
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
  ];
  for (const net of nets) {
    if (!blocks.has(net)) blocks.set(net, networkMembers(lab, net).flatMap((m) => m.addrs.map((a) => `${a}\t${m.node}`)).join("\n"));
    lines.push(blocks.get(net)!);
  }
  const self = node.intfs.flatMap((i) => i.addrs)[0];
  if (!nets.length && self) lines.push(`${self.split("/")[0]}\t${node.name}`);
  for (const [a, h] of node.extraHosts) lines.push(`${a}\t${h}`);
  return lines.join("\n") + "\n";
}

/**
 * resolv.conf for a node: its own `dns:` settings; else the host's nameservers when the node
 * reaches the outside through NAT (Docker's behaviour, loopback servers dropped); else none at
 * all, so that a name missing from /etc/hosts fails at once instead of waiting on an
 * unreachable server.
 */
export function resolvConf(lab: Lab, node: Node, hostResolv?: string): string {
  const head = `# Written by netlab for lab ${lab.name}; removed by \`netlab down ${lab.name}\`.`;
  if (node.resolv) {
    const r = node.resolv;
    return [head, ...r.nameservers.map((n) => `nameserver ${n}`), ...(r.search.length ? [`search ${r.search.join(" ")}`] : [])].join("\n") + "\n";
  }
  const natted = node.intfs.some((i) => i.network && lab.networks.find((n) => n.name === i.network)?.nat);
  if (natted && hostResolv) {
    const kept = hostResolv.split("\n").filter((l) => /^\s*(nameserver|search|domain|options)\s/.test(l) && !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
    if (kept.some((l) => l.trim().startsWith("nameserver"))) return [head, "# Nameservers copied from the host, as Docker does for a NATed network.", ...kept].join("\n") + "\n";
  }
  return [head, "# No nameserver: this node resolves names from /etc/hosts only.", "options timeout:1 attempts:1"].join("\n") + "\n";
}

export function compile(lab: Lab, opts: CompileOptions): Plan {
  const L = lab.name;
  const H: Ns = lab.hostNs; // null: the namespace netlab runs in
  const nsOf = (node: string | null): Ns => (node === null ? H : lab.nodes.find((n) => n.name === node)!.ns);
  const phases: Phase[] = [];

  // 1. Namespaces. Their undo stops every process inside before deleting them. Creating one is
  // about a millisecond of kernel work that mostly takes no global lock: a big lab makes them in
  // two batches at once, one per core of a small machine.
  const allNs = [...(lab.hostNs ? [lab.hostNs] : []), ...lab.nodes.map((n) => n.ns)];
  const nsBatches = allNs.length >= NS_SPLIT ? [allNs.slice(0, allNs.length >> 1), allNs.slice(allNs.length >> 1)] : allNs.length ? [allNs] : [];
  phases.push({
    name: "namespaces",
    concurrent: nsBatches.length > 1,
    steps: nsBatches.map((names, k) => ({
      id: nsBatches.length > 1 ? `netns:${k + 1}` : "netns",
      title: `create ${names.length} network namespace${names.length === 1 ? "" : "s"}`,
      ops: [{ op: "ip", ns: null, lines: names.map((n) => `netns add ${n}`) }],
      undo: [{ op: "kill-ns", names }, { op: "ip", ns: null, force: true, lines: names.map((n) => `netns delete ${n}`) }],
    })),
  });

  // 2. Host-side wiring: bridges, veth pairs (created straight into their namespaces), host addresses and routes.
  const wire: string[] = [];
  const wireUndo: string[] = [];
  if (lab.hostNs) wire.push("link set dev lo up", `link set dev lo alias "${ownerAlias(L, "host")}"`);
  for (const net of lab.networks.filter((n) => !n.holder)) {
    wire.push(`link add ${net.bridge} type bridge`, ...markLines(net.bridge, ownerAlias(L, `network ${net.name}`), net.altname));
    if (net.mtu) wire.push(`link set dev ${net.bridge} mtu ${net.mtu}`);
    if (!net.gateway6) wire.push(noV6(net.bridge));
    for (const g of [net.gateway, net.gateway6]) if (g) wire.push(`address add ${g} dev ${net.bridge}${isV6(g) ? " nodad" : ""}`);
    wire.push(`link set dev ${net.bridge} up`);
    wireUndo.push(`link delete ${net.bridge}`);
  }
  const seenLinks = new Set<number>();
  for (const node of lab.nodes) {
    for (const i of node.intfs) {
      if (i.network !== undefined) {
        const p = i.peer;
        if (p.node === null) {
          wire.push(`link add ${p.name} type veth peer name ${i.name} netns ${node.ns}`);
          wire.push(...markLines(p.name, ownerAlias(L, `${node.name}:${i.name}`), p.altname));
          if (i.mtu) wire.push(`link set dev ${p.name} mtu ${i.mtu}`);
          wire.push(noV6(p.name)); // a bridge port needs no address of its own
          wire.push(`link set dev ${p.name} master ${p.bridge} up`);
        } else {
          wire.push(`link add ${p.name} netns ${nsOf(p.node)} type veth peer name ${i.name} netns ${node.ns}`);
        }
      } else if (i.link !== undefined && !seenLinks.has(i.link)) {
        seenLinks.add(i.link);
        if (i.peer.node === null) continue; // the host end creates it below
        wire.push(`link add ${i.name} netns ${node.ns} type veth peer name ${i.peer.name} netns ${nsOf(i.peer.node)}`);
      }
    }
  }
  for (const i of lab.host.intfs) {
    const peerNs = nsOf(i.peer.node);
    wire.push(`link add ${i.name} type veth peer name ${i.peer.name} netns ${peerNs}`);
    wire.push(...markLines(i.name, ownerAlias(L, `link ${(i.link ?? 0) + 1} host:${i.name}`)));
    wire.push(...intfLines(i));
    wireUndo.push(`link delete ${i.name}`);
  }
  const overrides = new Set(lab.host.replaceRoutes);
  const plainRoutes = lab.host.routes.filter((r) => !overrides.has(r));
  const hostRoutes = plainRoutes.map((r) => `route replace ${r}`);
  const hostSteps: Step[] = [];
  if (wire.length) {
    hostSteps.push({
      id: "host-links",
      title: `bridges and veth pairs${H ? ` in ${H}` : " in the host namespace"}`,
      ops: [{ op: "ip", ns: H, lines: wire }],
      // Host-end veths whose peer sits in a lab namespace vanish with it; bridges and host links are deleted explicitly.
      undo: wireUndo.length ? [{ op: "ip", ns: H, force: true, lines: wireUndo }] : [],
    });
  }
  if (hostRoutes.length) {
    hostSteps.push({
      id: "host-routes",
      title: "host routes",
      ops: [{ op: "ip", ns: H, lines: hostRoutes }],
      undo: [{ op: "ip", ns: H, force: true, lines: plainRoutes.map((r) => `route delete ${r}`) }],
    });
  }
  // Routes that override the host's own: each journals what it replaces just before (route-restore).
  if (overrides.size) {
    hostSteps.push({ id: "host-route-overrides", title: "host routes that override the host's own", ops: [...overrides].map((route) => ({ op: "route-override", ns: H, route }) as Op), undo: [] });
  }
  // Host sysctls: forwarding for NAT / routing, plus what the lab asks for. The previous values are restored on down.
  const hostNets = lab.networks.filter((n) => !n.holder);
  const published = lab.nodes.flatMap((n) => n.publish);
  const hostForward = lab.host.forward || hostNets.some((n) => n.nat) || published.length > 0;
  const hostHas6 = hostNets.some((n) => n.subnet6) || lab.host.intfs.some((i) => i.addrs.some(isV6));
  const hostSysctls: Record<string, string> = {
    ...(hostForward ? { "net.ipv4.ip_forward": "1" } : {}),
    ...(hostHas6 && (lab.host.forward || hostNets.some((n) => n.nat6)) ? { "net.ipv6.conf.all.forwarding": "1" } : {}),
    // 127.0.0.1:PORT reaches a published port only if the kernel may route loopback addresses out the bridge.
    ...Object.fromEntries([...new Set(published.map((p) => p.bridge))].map((b) => [`net.ipv4.conf.${b}.route_localnet`, "1"])),
    ...lab.host.sysctls,
  };
  if (Object.keys(hostSysctls).length) {
    // The lab's own host namespace (isolated) goes as a whole; a shared one gets its values back from the ledger.
    const shared = H === null;
    hostSteps.push({
      id: "host-sysctls",
      title: "host sysctls",
      ops: [{ op: "sysctl", ns: H, values: hostSysctls, restore: shared }],
      undo: shared ? [{ op: "host-release", ns: H, lab: L, sysctls: Object.keys(hostSysctls) }] : [],
    });
  }
  const hostIfaces = [...hostNets.map((n) => n.bridge), ...lab.host.intfs.map((i) => i.name)];
  // IPv6 gets the same isolation (and NAT66 where asked for) once the lab has IPv6 in the host.
  const families: (4 | 6)[] = hostHas6 ? [4, 6] : [4];
  const hostRules = families.flatMap((fam) => {
    const rs = new Ruleset(L, H, fam);
    bridgeFeatures(rs, hostNets, hostIfaces, lab.host.forward);
    publishFeature(rs, lab);
    if (lab.host.firewall) hostFirewall(rs, lab.host.firewall);
    return rs.ops();
  });
  if (hostRules.length) {
    hostSteps.push({
      id: "host-iptables",
      title: "host iptables (NAT, isolation, published ports)",
      ops: hostRules,
      undo: H === null ? [...new Set(hostRules.map((o) => (o as { family: 4 | 6 }).family))].map((family) => ({ op: "iptables-clean", ns: H, family, lab: L }) as Op) : [],
    });
  }
  phases.push({ name: "host", concurrent: false, steps: hostSteps });

  // 3. Inside every node, concurrently: one ip batch each, then sysctls and rules.
  const nodeSteps: Step[] = lab.nodes.map((node) => {
    const lines = ["link set dev lo up", `link set dev lo alias "${ownerAlias(L, `node ${node.name}`)}"`];
    for (const b of node.bridges) {
      const net = lab.networks.find((n) => n.name === b)!;
      lines.push(`link add ${net.bridge} type bridge`);
      if (net.mtu) lines.push(`link set dev ${net.bridge} mtu ${net.mtu}`);
      if (!net.gateway6) lines.push(noV6(net.bridge));
      for (const g of [net.gateway, net.gateway6]) if (g) lines.push(`address add ${g} dev ${net.bridge}${isV6(g) ? " nodad" : ""}`);
      lines.push(`link set dev ${net.bridge} up`);
      for (const m of lab.nodes)
        for (const i of m.intfs)
          if (i.network === b) {
            if (net.mtu) lines.push(`link set dev ${i.peer.name} mtu ${net.mtu}`);
            lines.push(noV6(i.peer.name), `link set dev ${i.peer.name} master ${net.bridge} up`);
          }
    }
    for (const i of node.intfs) lines.push(...intfLines(i));
    lines.push(...node.routes.map((r) => `route replace ${r}`));
    lines.push(...node.rules.map((r) => `rule add ${r}`));
    const has6 = node.intfs.some((i) => i.addrs.some(isV6));
    const heldNets = lab.networks.filter((n) => n.holder === node.name);
    const forward = node.forward || heldNets.some((n) => n.nat || n.nat6);
    const forwarding: Record<string, string> = {
      ...(forward ? { "net.ipv4.ip_forward": "1" } : {}),
      ...((has6 || heldNets.some((n) => n.subnet6)) && (node.forward || heldNets.some((n) => n.nat6)) ? { "net.ipv6.conf.all.forwarding": "1" } : {}),
    };
    const ops: Op[] = [{ op: "ip", ns: node.ns, lines, ...(Object.keys(forwarding).length ? { sysctls: forwarding } : {}) }];
    // A lab's own sysctls go through sysctl(8), whose errors name the key.
    if (Object.keys(node.sysctls).length) ops.push({ op: "sysctl", ns: node.ns, values: node.sysctls });
    // The bridges' rules (in the lab's own chains) first, then the node's firewall (its own chains' policies).
    for (const fam of heldNets.some((n) => n.subnet6) ? ([4, 6] as const) : heldNets.length ? ([4] as const) : []) {
      const rs = new Ruleset(L, node.ns, fam);
      bridgeFeatures(rs, heldNets, [], false);
      ops.push(...rs.ops());
    }
    for (const fam of node.firewall ? (has6 ? ([4, 6] as const) : ([4] as const)) : []) {
      const rs = new Ruleset(L, node.ns, fam);
      nodeFirewall(rs, node.firewall!);
      ops.push(...rs.ops());
    }
    return { id: `node:${node.name}`, title: `configure ${node.name}`, ops, undo: [] };
  });
  // Name resolution: `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc. Each node's pair of
  // files lives in filesDir, one directory per distinct pair (a star's nodes share one), and
  // /etc/netns/<ns> is a symlink to it, which the mount follows: one new inode per node on the
  // disk, instead of three.
  const filesDir = opts.filesDir ?? `${opts.stateDir}/etc`;
  const blocks = new Map<string, string>();
  const dirs = new Map<string, { nodes: Node[]; hosts: string; resolv: string }>();
  for (const node of lab.nodes) {
    const hosts = hostsFile(lab, node, blocks);
    const resolv = resolvConf(lab, node, opts.hostResolv);
    const key = `${hosts}\0${resolv}`;
    const d = dirs.get(key);
    if (d) d.nodes.push(node);
    else dirs.set(key, { nodes: [node], hosts, resolv });
  }
  const files: Op[] = [];
  let shared = 0;
  for (const d of dirs.values()) {
    const dir = `${filesDir}/${d.nodes.length === 1 ? d.nodes[0].name : `shared-${++shared}`}`;
    files.push({ op: "write", path: `${dir}/hosts`, content: d.hosts }, { op: "write", path: `${dir}/resolv.conf`, content: d.resolv });
    for (const n of d.nodes) files.push({ op: "symlink", path: `${NETNS_ETC}/${n.ns}`, target: dir });
  }
  if (files.length) {
    nodeSteps.push({
      id: "etc-netns",
      title: "hosts and resolv.conf files",
      ops: files,
      undo: [...lab.nodes.map((n) => ({ op: "rm", path: `${NETNS_ETC}/${n.ns}` }) as Op), ...(opts.filesDir ? [{ op: "rm", path: opts.filesDir } as Op] : [])],
    });
  }
  phases.push({ name: "nodes", concurrent: true, steps: nodeSteps });

  // 4. exec: one at a time, host first, then nodes in declaration order.
  const execSteps: Step[] = [];
  lab.host.exec.forEach((cmd, i) => execSteps.push({ id: `exec:host:${i}`, title: `exec on host: ${cmd}`, ops: [{ op: "exec", ns: H, cmd, who: "host" }], undo: [] }));
  for (const node of lab.nodes)
    node.exec.forEach((cmd, i) => execSteps.push({ id: `exec:${node.name}:${i}`, title: `exec on ${node.name}: ${cmd}`, ops: [{ op: "exec", ns: node.ns, cmd, who: node.name }], undo: [] }));
  phases.push({ name: "exec", concurrent: false, steps: execSteps });

  // 5. run: background processes, stopped by the namespace undo (kill-ns) on down.
  const runSteps: Step[] = [];
  for (const node of lab.nodes)
    node.run.forEach((cmd, i) =>
      runSteps.push({
        id: `run:${node.name}:${i}`,
        title: `start on ${node.name}: ${cmd}`,
        ops: [{ op: "spawn", ns: node.ns, cmd, who: node.name, log: `${opts.stateDir}/logs/${node.name}-${i}.log` }],
        undo: [],
      }),
    );
  phases.push({ name: "run", concurrent: true, steps: runSteps });

  return { lab: L, phases };
}
