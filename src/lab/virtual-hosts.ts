// The lab file's own sugar, lowered before resolution: `hosts:` (virtual machines) are nodes on
// the network `underlay`, forwarding by default; `underlay:` is that network (a bridge in the
// lab's host namespace, Vagrant's host-only LAN: its .1, hosts' addresses from .11 on).
// Errors stay in the user's keys: `translate` maps nodes.vm1.networks.underlay.ip back to
// hosts.vm1.underlay, networks.underlay.mtu back to underlay.mtu.
import type { KeyPath } from "../errors.js";
import type { RawLab } from "./schema.js";

/** The network joining the virtual hosts, and its subnet unless `underlay:` says otherwise. */
export const UNDERLAY = "underlay";
export const UNDERLAY_SUBNET = "192.168.56.0/24";

export interface Desugared {
  /** The lab without `hosts:` and `underlay:`: virtual hosts among its nodes, the underlay among its networks. */
  raw: RawLab;
  /** The nodes that are virtual hosts. */
  vhosts: Set<string>;
  /** A key of `raw` → the key the user wrote. */
  translate: (p: KeyPath) => KeyPath;
  /** What cannot be lowered: [key as written, message, hint]. */
  problems: [KeyPath, string, string][];
}

/** Lowers `hosts:` and `underlay:` into nodes and a network (pure: the raw lab is not changed). */
export function desugarHosts(raw: RawLab): Desugared {
  const rawHosts = raw.hosts ?? {};
  const vhosts = new Set(Object.keys(rawHosts));
  const problems: Desugared["problems"] = [];
  const nodes: NonNullable<RawLab["nodes"]> = {};
  for (const [name, h] of Object.entries(rawHosts)) {
    const { underlay, ...rest } = h ?? {};
    nodes[name] = { ...rest, forward: rest.forward ?? true, networks: { [UNDERLAY]: underlay ? { ip: underlay } : null } };
  }
  for (const [name, n] of Object.entries(raw.nodes ?? {})) {
    if (vhosts.has(name)) problems.push([["nodes", name], `"${name}" is both a virtual host (hosts:) and a node`, "give the node another name"]);
    else nodes[name] = n;
  }
  let networks = raw.networks ?? {};
  const made = networks[UNDERLAY] === undefined && (vhosts.size > 0 || !!raw.underlay);
  if (networks[UNDERLAY] !== undefined) problems.push([["networks", UNDERLAY], `"${UNDERLAY}" is reserved: it is the network joining the virtual hosts`, "set it with the top-level underlay: key, or rename this network"]);
  if (made) networks = { [UNDERLAY]: { subnet: raw.underlay?.subnet ?? UNDERLAY_SUBNET, mtu: raw.underlay?.mtu, dns: false }, ...networks };
  const { hosts: _h, underlay: _u, ...rest } = raw;
  return { raw: { ...rest, nodes, networks }, vhosts, translate: (p) => userKey(p, vhosts, made), problems };
}

/** Where a key of the lowered lab is written in the lab file. */
function userKey(p: KeyPath, vhosts: Set<string>, made: boolean): KeyPath {
  if (made && p[0] === "networks" && p[1] === UNDERLAY) return ["underlay", ...p.slice(2)];
  if (p[0] !== "nodes" || !vhosts.has(String(p[1]))) return p;
  if (p[2] === "networks" && p[3] === UNDERLAY) return ["hosts", p[1], "underlay"];
  return ["hosts", ...p.slice(1)];
}
