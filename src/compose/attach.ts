// A service's place on its networks: which it joins (list or map form; `default` always exists),
// its addresses, MAC and interface name, and the names Docker's DNS answers for it there — the
// service, its container_name (else Compose's own `<project>-<service>-1`), its aliases.
import type { KeyPath } from "../errors.js";
import { closest } from "../suggest.js";
import type { ComposeNetworks } from "./networks.js";
import { isObj, type Obj, type Report } from "./report.js";

/** What a DNS label may be here (letters, digits, '-', and '_' as in Docker's container names). */
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

export interface Attached {
  /** The lab node's `networks:` map: lab network name → { ip, ip6, mac, iface, aliases }. */
  networks: Obj;
  /** Compose network names, in order (for messages and checks). */
  composeNets: string[];
}

/** The networks a service joins (network_mode unset): its lab attachments. */
export function attach(svc: string, node: string, s: Obj, project: string, nets: ComposeNetworks, r: Report): Attached | null {
  const path = ["services", svc];
  const known = [...nets.names.keys()];
  let list: [string, unknown][];
  if (s.networks === undefined || s.networks === null) list = [["default", null]];
  else if (Array.isArray(s.networks)) list = s.networks.map((n) => [String(n), null]);
  else if (isObj(s.networks)) list = Object.entries(s.networks);
  else { r.err([...path, "networks"], "networks is a list of names or a mapping", "e.g. networks: [frontend, backend]"); return null; }
  const out: Attached = { networks: {}, composeNets: [] };
  list.forEach(([n, a0], i) => {
    const apath = Array.isArray(s.networks) ? [...path, "networks", i] : [...path, "networks", n];
    const lab = nets.names.get(n);
    if (!lab || !(lab in nets.nets || n === "default")) {
      if (lab && !(lab in nets.nets)) return; // declared, but refused already (external, a driver netlab does not build)
      const guess = closest(n, known);
      r.err(apath, `no network named "${n}"`, guess ? `did you mean "${guess}"?` : known.length > 1 ? `networks: ${known.filter((k) => k !== "default").join(", ")}, default` : "declare it under the top-level networks:");
      return;
    }
    if (a0 !== null && a0 !== undefined && !isObj(a0)) { r.err(apath, "a network's settings are a mapping", "e.g. backend: { aliases: [db] }"); return; }
    const a = a0 ?? {};
    r.keys("attachment", a, apath);
    const att: Obj = {};
    if (a.ipv4_address !== undefined) att.ip = String(a.ipv4_address);
    if (a.ipv6_address !== undefined) att.ip6 = String(a.ipv6_address);
    if (a.mac_address !== undefined) att.mac = String(a.mac_address);
    if (a.interface_name !== undefined) att.iface = String(a.interface_name);
    const aliases = Array.isArray(a.aliases) ? a.aliases.map(String) : [];
    aliases.forEach((al, k) => { if (!DNS_NAME.test(al)) r.err([...apath, "aliases", k], `"${al}" is not a DNS name`, "letters, digits, '-' and '_', in labels of at most 63 characters"); });
    att.aliases = aliases.filter((al) => DNS_NAME.test(al));
    out.networks[lab] = att;
    out.composeNets.push(n);
  });
  const cname = s.container_name === undefined ? undefined : String(s.container_name);
  if (cname !== undefined && !DNS_NAME.test(cname)) r.err([...path, "container_name"], `"${cname}" is not a name Docker's DNS can answer`, "letters, digits, '-', '_' and '.'");
  // Docker's DNS answers for the service, the container's name and the aliases; the node's own name needs no alias.
  const names = [svc, cname ?? `${project}-${svc}-1`].filter((x) => DNS_NAME.test(x) && x.toLowerCase() !== node);
  for (const att of Object.values(out.networks) as Obj[]) att.aliases = dedupe([...(att.aliases as string[]), ...names], node);
  if (s.mac_address !== undefined) {
    const atts = Object.values(out.networks) as Obj[];
    if (atts.length === 1 && atts[0].mac === undefined) atts[0].mac = String(s.mac_address);
    else r.warn([...path, "mac_address"], "a service's mac_address applies to one network: give it under networks.NAME.mac_address");
  }
  return out;
}

function dedupe(list: string[], node: string): string[] {
  const seen = new Set<string>([node]);
  return list.filter((x) => !seen.has(x.toLowerCase()) && !!seen.add(x.toLowerCase()));
}

/**
 * Names that are also another node's name are dropped from every alias list (a name answers
 * for one machine); those the file wrote itself (an alias, a container_name) are said to be.
 */
export function dropClashingAliases(nodes: Obj, written: Map<string, Set<string>>, r: Report, pathOf: (node: string) => KeyPath): void {
  const nodeNames = new Set(Object.keys(nodes));
  for (const [node, n] of Object.entries(nodes) as [string, Obj][])
    for (const att of Object.values((n.networks ?? {}) as Obj) as Obj[]) {
      if (!att || !Array.isArray(att.aliases)) continue;
      att.aliases = (att.aliases as string[]).filter((al) => {
        if (!nodeNames.has(al.toLowerCase())) return true;
        if (written.get(node)?.has(al)) r.warn(pathOf(node), `the name "${al}" is service ${al}'s: on networks they share, it answers for ${al} only`);
        return false;
      });
      if (!(att.aliases as string[]).length) delete att.aliases;
    }
}

/** extra_hosts, list ("name:ip", "name=ip") or map; `host-gateway` is the host's address on the service's first network, Docker's default. */
export function extraHosts(svc: string, s: Obj, firstNet: string | undefined, gateway: (net: string) => string | undefined, r: Report): string[] | undefined {
  if (s.extra_hosts === undefined) return undefined;
  const path = ["services", svc, "extra_hosts"];
  const pairs: [string, string, KeyPath][] = Array.isArray(s.extra_hosts)
    ? s.extra_hosts.map((e, i) => { const t = String(e); const k = t.search(/[:=]/); return [t.slice(0, k), t.slice(k + 1), [...path, i]]; })
    : isObj(s.extra_hosts) ? Object.entries(s.extra_hosts).flatMap(([h, a]) => ([] as unknown[]).concat(a).map((x) => [h, String(x), [...path, h]] as [string, string, KeyPath])) : [];
  const out: string[] = [];
  for (const [host, addr0, p] of pairs) {
    let addr = addr0.replace(/^\[(.*)\]$/, "$1");
    if (addr === "host-gateway") {
      const g = firstNet !== undefined ? gateway(firstNet) : undefined;
      if (!g) { r.warn(p, `${svc} is on no network with a gateway, so host-gateway has no address here: the entry is left out`); continue; }
      addr = g;
    }
    out.push(`${host}:${addr}`);
  }
  return out;
}

/**
 * Legacy links with an alias (`links: ["db:database"]`): Docker answers `database` for db to the
 * linking service; here the alias is db's on the networks the two share (seen by all their members).
 */
export function linkAliases(services: [string, Obj][], nodeOf: Map<string, string>, nodes: Obj, r: Report): void {
  for (const [svc, s] of services) {
    if (!Array.isArray(s.links)) continue;
    const mine = (nodes[nodeOf.get(svc) ?? ""] as Obj | undefined)?.networks as Obj | undefined;
    s.links.forEach((l, i) => {
      const [target, alias] = String(l).split(":");
      if (!alias || alias === target) return;
      const theirs = (nodes[nodeOf.get(target) ?? ""] as Obj | undefined)?.networks as Obj | undefined;
      const shared = Object.keys(theirs ?? {}).filter((n) => mine && n in mine);
      if (!shared.length || !DNS_NAME.test(alias)) { r.warn(["services", svc, "links", i], `the link alias "${alias}" is not made: ${!shared.length ? `${svc} and ${target} share no network` : "it is not a DNS name"}`); return; }
      for (const n of shared) {
        const att = ((theirs![n] ??= {}) as Obj);
        att.aliases = dedupe([...((att.aliases as string[] | undefined) ?? []), alias], nodeOf.get(target)!);
      }
    });
  }
}
