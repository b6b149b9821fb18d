// What the resolution passes share: the problems found so far (each located in the file), the
// nodes being built, the address book (every address used, by whom), the interface names
// claimed per namespace, the prefix registry (for overlaps), the networks and their ranges.
import { MAX_PROBLEMS, type KeyPath, type Problem } from "../../errors.js";
import type { Check, DnsRecord, Host, Lab, Network, Node } from "../model.js";
import type { RawLab } from "../schema.js";
import type { LabSource } from "../source.js";
import { formatAddr, parseAddr, type Family, type Prefix } from "../../net/ip.js";
import { nsName, validIfName } from "../../net/names.js";

export { UNDERLAY } from "../virtual-hosts.js";

export const RESERVED = new Set(["host"]);
/** A Linux bridge numbers its ports in 10 bits, 0 reserved. */
export const BRIDGE_MAX_PORTS = 1023;

export class Problems {
  readonly list: Problem[] = [];
  /** Past MAX_PROBLEMS only counted: a generated file with 50,000 mistakes is reported in a moment. */
  more = 0;
  /** Objects (key paths) already reported as unusable: later problems that follow from them are not news. */
  private readonly unusable = new Set<string>();
  /** Problems left out because they follow from an earlier one (as a compiler suppresses cascades). */
  followed = 0;
  constructor(private readonly src: LabSource) {}
  /** A problem at `key`; left out when one of `after` (the objects it follows from) was already reported unusable. */
  add(key: KeyPath, message: string, hint?: string, after: KeyPath[] = []): void {
    if (after.some((k) => this.unusable.has(k.join("\0")))) { this.followed++; return; }
    if (this.list.length >= MAX_PROBLEMS) this.more++;
    else this.list.push(this.src.problem(key, message, hint));
  }
  /** Marks an object (a network, a node) as reported unusable. */
  broken(key: KeyPath): void {
    this.unusable.add(key.join("\0"));
  }
  isBroken(key: KeyPath): boolean {
    return this.unusable.has(key.join("\0"));
  }
}

interface AddrSlot {
  family: Family;
  addr: bigint;
  path: KeyPath;
  who: string;
}

export interface NetInfo {
  net: Network;
  p4?: Prefix;
  p6?: Prefix;
  /** The next automatic address of each family. */
  next4?: bigint;
  next6?: bigint;
  members: string[];
}

export interface ResolveOptions {
  /** As `netlab up --isolated`. */
  isolated?: boolean;
  /** The lab as it is up: a node keeps the automatic addresses it has, so that an edit renumbers nobody. */
  previous?: Lab;
  /** The nodes that are virtual hosts (`hosts:`, lowered by lab/virtual-hosts.ts). */
  vhosts?: Set<string>;
  /** Problems a lowering found, located already: reported with the resolver's. */
  problems?: Problem[];
}

export class Ctx {
  readonly P: Problems;
  readonly lab: string;
  readonly isolated: boolean;
  readonly rawNodes: NonNullable<RawLab["nodes"]>;
  readonly rawNets: NonNullable<RawLab["networks"]>;
  readonly nodeNames: string[];
  readonly netNames: string[];
  readonly nodes = new Map<string, Node>();
  readonly host: Host = { intfs: [], routes: [], replaceRoutes: [], routePaths: [], forward: false, sysctls: {}, exec: [], run: [], files: {} };
  readonly networks: Network[] = [];
  readonly netInfo = new Map<string, NetInfo>();
  readonly links: Lab["links"] = [];
  readonly checks: Check[] = [];
  readonly records: DnsRecord[] = [];
  /** Every prefix of a network or link, for the overlap pass. */
  readonly seenPrefixes: { p: Prefix; path: KeyPath; what: string }[] = [];
  /** The address book: "family:address" → who has it. */
  readonly addrs = new Map<string, AddrSlot>();
  /** Interface names claimed per namespace: node name, or "" for the host → name → where (and what netlab makes it for). */
  readonly intfNames = new Map<string, Map<string, KeyPath>>();
  private readonly madeFor = new Map<string, string>();

  /** Virtual hosts (`hosts:`): resolved as nodes that live first, with eth0 on the underlay. */
  readonly vhosts: Set<string>;

  /** Automatic addresses the lab as it is up gave: "node|network" → its addresses (with prefix). */
  readonly sticky: Map<string, string[]>;
  /** Every address the lab as it is up gives ("family:address"): a new node takes one of them only when no other is free. */
  readonly recent: Set<string>;
  constructor(readonly src: LabSource, readonly raw: RawLab, opts: ResolveOptions) {
    this.P = new Problems(src);
    this.recent = new Set([...(opts.previous?.nodes ?? []).flatMap((n) => n.intfs.flatMap((i) => i.addrs.map((a) => a.split("/")[0]))), ...(opts.previous?.retired ?? [])].map((a) => (a.includes(":") ? `6:${parseAddr(a)?.addr}` : `4:${parseAddr(a)?.addr}`)));
    this.sticky = new Map((opts.previous?.nodes ?? []).flatMap((n) => n.intfs.flatMap((i) => (i.kind === "veth" ? [] : [[`${n.name}|${i.network}`, i.addrs] as [string, string[]]]))));
    this.lab = raw.name;
    this.isolated = opts.isolated || (raw.isolated ?? false);
    this.P.list.push(...(opts.problems ?? []));
    this.vhosts = opts.vhosts ?? new Set();
    this.rawNodes = raw.nodes ?? {};
    this.rawNets = raw.networks ?? {};
    this.nodeNames = Object.keys(this.rawNodes);
    this.netNames = Object.keys(this.rawNets);
    for (const name of this.nodeNames) {
      if (RESERVED.has(name)) this.P.add(this.nodePath(name), `"${name}" is reserved: it means the lab's host namespace`, "rename it, e.g. host1");
      this.nodes.set(name, {
        name, ns: nsName(this.lab, name), vhost: this.vhosts.has(name), host: this.rawNodes[name]?.host, files: {},
        intfs: [], routes: [], rules: [], forward: false, sysctls: {}, extraHosts: [],
        run: [], exec: [], labels: {}, bridges: [], publish: [],
      });
    }
  }

  /** A node's key (a virtual host's is written under hosts:: the source's translation says so). */
  nodePath(name: string): KeyPath {
    return ["nodes", name];
  }

  /** A network's key (the underlay's is the top-level underlay:). */
  netPath(name: string): KeyPath {
    return ["networks", name];
  }

  /** Records an address as taken; false (with the problem said) when someone has it already. */
  readonly useAddr = (family: Family, addr: bigint, path: KeyPath, who: string): boolean => {
    const k = `${family}:${addr}`;
    const prev = this.addrs.get(k);
    if (prev) {
      // Two gateways at one address means two overlapping subnets: that error says it better.
      if (prev.who.startsWith("the gateway") && who.startsWith("the gateway")) return false;
      this.P.add(path, `address ${formatAddr(family, addr)} is already used by ${prev.who}`, "give each interface its own address, or leave ip out for automatic assignment");
      return false;
    }
    this.addrs.set(k, { family, addr, path, who });
    return true;
  };

  /**
   * Claims an interface name in a namespace (node, or null for the lab's host), saying what is
   * wrong with it. `made`: what netlab makes it for, when the name is netlab's (a bridge, the far
   * end of a cable, a VXLAN device), not written in the file.
   */
  readonly claimIface = (node: string | null, iface: string, path: KeyPath, made?: string): void => {
    const err = validIfName(iface);
    if (err) { this.P.add(path, err, "choose a name like eth1 or veth-red"); return; }
    if (iface === "lo") { this.P.add(path, `"lo" is the loopback interface`, "choose another interface name"); return; }
    // The kernel refuses them: /proc/sys/net/ipv4/conf/all and default are taken.
    if (iface === "all" || iface === "default") { this.P.add(path, `"${iface}" is a name Linux keeps for its own settings (net.ipv4.conf.${iface})`, "choose another interface name"); return; }
    const key = node ?? "";
    if (!this.intfNames.has(key)) this.intfNames.set(key, new Map());
    const m = this.intfNames.get(key)!;
    const id = `${key}\0${iface}`;
    if (m.has(iface)) {
      const first = this.madeFor.get(id);
      if (made || first) this.P.add(path, `interface ${iface}${made ? `, which netlab makes for ${made},` : ""} is also ${first ?? "an interface written in the file"} in ${node ?? "the lab's host"}`, "rename a network or a node (or the bridge: or iface: given) so that the names differ");
      else this.P.add(path, `interface ${iface} is defined twice on ${node ?? "host"}`, "give each interface of a node its own name (iface:)");
      return;
    }
    m.set(iface, path);
    if (made) this.madeFor.set(id, made);
  };
}
