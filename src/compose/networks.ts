// A Compose file's networks, lowered into the lab's: bridges with NAT out (or `internal`), their
// subnets from `ipam`, else the next free /16 from 172.18.0.0 as Docker hands them out; with
// `enable_ipv6` and no IPv6 subnet, a /64 of a unique local /48 of the project's own, as Docker 27+.
import { sha256 } from "../digest.js";
import type { KeyPath } from "../errors.js";
import { formatAddr, formatPrefix, hostRange, overlaps, parsePrefix, type Prefix } from "../net/ip.js";
import { labSafeNames } from "./names.js";
import { isObj, type Obj, type Report } from "./report.js";

const AUTO_POOL = 18; // 172.18.0.0/16 on, as Docker numbers user-defined networks
/** Driver options that change nothing netlab makes. */
const QUIET_OPTS = new Set(["com.docker.network.bridge.name", "com.docker.network.bridge.enable_ip_masquerade", "com.docker.network.bridge.host_binding_ipv4"]);
const MTU_OPT = "com.docker.network.driver.mtu";

export interface ComposeNetworks {
  /** The lab's `networks:`, by lab name. */
  nets: Obj;
  /** Compose network name → lab network name (a name the kernel and the lab accept). */
  names: Map<string, string>;
  internal: Set<string>;
  /** Finishes the subnets once every service has joined: the implicit `default` (and `bridge`) too. */
  finish(usesDefault: boolean, usesBridge: boolean): void;
  /** A network's gateway (IPv4, no prefix length), for extra_hosts' host-gateway. */
  gateway(labName: string): string | undefined;
}

/** Reads `networks:`; problems go to `r`. */
export function lowerNetworks(data: Obj, project: string, r: Report, avoid: string[]): ComposeNetworks {
  const declared = isObj(data.networks) ? data.networks : {};
  const names = labSafeNames([...Object.keys(declared), ...("default" in declared ? [] : ["default"])], ["bridge"]); // "bridge" is Docker's default bridge (network_mode: bridge)
  const nets: Obj = {};
  const internal = new Set<string>();
  const taken: Prefix[] = avoid.map((a) => parsePrefix(a, false)).filter((p): p is Prefix => !!p);
  const auto: string[] = [];
  const auto6: string[] = [];
  for (const [name, n0] of Object.entries(declared)) {
    const path = ["networks", name];
    if (n0 !== null && !isObj(n0)) { r.err(path, "a network is a mapping", "e.g. backend: { internal: true }"); continue; }
    const n = n0 ?? {};
    r.keys("network", n, path);
    if (n.external === true) { r.err([...path, "external"], `network ${name} is external: Docker made it, not this file`, "netlab makes every network of a lab: declare it here (drop external)"); continue; }
    if (n.driver !== undefined && n.driver !== "bridge") { r.err([...path, "driver"], ...driverRefusal(String(n.driver), n)); continue; }
    const net: Obj = { nat: n.internal !== true, internal: n.internal === true };
    if (n.internal === true) internal.add(names.get(name)!);
    readIpam(n, path, net, taken, r);
    readDriverOpts(n, path, net, r);
    if (net.subnet === undefined) auto.push(names.get(name)!);
    if (n.enable_ipv6 === true && net.subnet6 === undefined) auto6.push(names.get(name)!);
    nets[names.get(name)!] = net;
  }
  const gateways = new Map<string, string>();
  return {
    nets, names, internal,
    finish(usesDefault, usesBridge) {
      const dflt = names.get("default")!;
      if (usesDefault && !(dflt in nets)) { nets[dflt] = { nat: true, internal: false }; auto.push(dflt); }
      if (usesBridge) {
        nets.bridge = { subnet: "172.17.0.0/16", nat: true, dns: false }; // docker0: addresses only, no names
        taken.push(parsePrefix("172.17.0.0/16", true)!);
      }
      let next = AUTO_POOL;
      for (const name of auto) {
        let p: Prefix;
        do p = parsePrefix(`172.${next++}.0.0/16`, true)!;
        while (taken.some((t) => overlaps(t, p)) && next < 32);
        taken.push(p);
        (nets[name] as Obj).subnet = formatPrefix(p);
      }
      const ula = sha256(project).toString("hex").slice(0, 10); // the /48's 40-bit global ID, stable per project
      auto6.forEach((name, i) => ((nets[name] as Obj).subnet6 = `fd${ula.slice(0, 2)}:${ula.slice(2, 6)}:${ula.slice(6, 10)}:${i.toString(16)}::/64`));
      for (const [name, n] of Object.entries(nets) as [string, Obj][]) {
        const p = parsePrefix(String(n.subnet), false);
        const g = n.gateway !== undefined ? String(n.gateway) : p ? formatAddr(4, hostRange(p).first) : undefined;
        if (g) gateways.set(name, g);
      }
    },
    gateway: (name) => gateways.get(name),
  };
}

function readIpam(n: Obj, path: KeyPath, net: Obj, taken: Prefix[], r: Report): void {
  if (n.ipam === undefined) return;
  if (!isObj(n.ipam)) { r.err([...path, "ipam"], "ipam is a mapping", "e.g. ipam: { config: [{ subnet: 172.28.0.0/16 }] }"); return; }
  if (n.ipam.driver !== undefined && n.ipam.driver !== "default") r.warn([...path, "ipam", "driver"], `IPAM driver "${String(n.ipam.driver)}" is not used: netlab hands out addresses itself`);
  const configs = Array.isArray(n.ipam.config) ? n.ipam.config : [];
  configs.forEach((c, i) => {
    const cpath = [...path, "ipam", "config", i];
    if (!isObj(c)) { r.err(cpath, "an ipam config is a mapping", "e.g. - subnet: 172.28.0.0/16"); return; }
    r.keys("ipam", c, cpath);
    const p = parsePrefix(String(c.subnet ?? ""), false);
    if (!p) { r.err([...cpath, "subnet"], `"${String(c.subnet)}" is not a subnet`, "e.g. subnet: 172.28.0.0/16"); return; }
    const six = p.family === 6;
    if (net[six ? "subnet6" : "subnet"] !== undefined) { r.warn(cpath, `a second IPv${p.family} subnet: netlab uses the first`); return; }
    net[six ? "subnet6" : "subnet"] = String(c.subnet);
    if (c.gateway !== undefined) net[six ? "gateway6" : "gateway"] = String(c.gateway);
    taken.push(p);
  });
}

function readDriverOpts(n: Obj, path: KeyPath, net: Obj, r: Report): void {
  if (!isObj(n.driver_opts)) return;
  for (const [k, v] of Object.entries(n.driver_opts)) {
    const kpath = [...path, "driver_opts", k];
    if (k === MTU_OPT && Number.isInteger(Number(v))) net.mtu = Number(v);
    else if (!QUIET_OPTS.has(k)) r.warn(kpath, `driver option ${k} is not applied`, k === "com.docker.network.bridge.enable_icc" ? "members of a netlab network always reach each other" : undefined);
  }
}


/** Why a network driver other than bridge is refused, and what netlab offers instead. */
function driverRefusal(driver: string, n: Obj): [string, string] {
  const parent = isObj(n.driver_opts) && n.driver_opts.parent !== undefined ? ` (parent ${String(n.driver_opts.parent)})` : "";
  if (driver === "macvlan" || driver === "ipvlan")
    return [`network driver "${driver}" puts containers on the host's own LAN${parent}, which a lab built from this file does not have`, `netlab's lab files build ${driver} networks on a LAN of the lab's own (labs/${driver}.yaml)`];
  if (driver === "overlay")
    return ['network driver "overlay" spans the hosts of a Docker Swarm, and a Compose file describes one host', "netlab's lab files build VXLAN overlays across virtual hosts (labs/docker-overlay.yaml)"];
  if (driver === "host" || driver === "none") return [`network driver "${driver}" is a network_mode, not a network netlab makes`, `use network_mode: ${driver} on the services`];
  return [`network driver "${driver}" is not one netlab builds`, "use the bridge driver (the default)"];
}
