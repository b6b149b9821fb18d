// `sysctls:` — only network sysctls, as sysctl(8) resolves the key; `files:` — only below /etc.
import type { KeyPath } from "../../errors.js";
import { ipv6OffKey, sameSysctl, sysctlDevice, sysctlParts } from "../../net/sysctl.js";
import type { Intf } from "../model.js";
import { Problems } from "./context.js";
import { unsafeLine } from "./util.js";

export function resolveSysctls(P: Problems, raw: Record<string, string | number | boolean> | undefined, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<string, string>(); // file → the key that names it first
  for (const [k, v] of Object.entries(raw ?? {})) {
    // Checked as sysctl(8) resolves it: "net.//.kernel.hostname" is kernel/hostname, not a net.* key.
    const parts = sysctlParts(k);
    if (!parts) {
      P.add([...path, k], `${k} is not a network sysctl`, "only net.* sysctls belong to a network namespace, written like net.ipv4.ip_forward (an interface with a dot: net.ipv4.conf.eth0/100.rp_filter)");
      continue;
    }
    const file = parts.join("/");
    if (seen.has(file)) { P.add([...path, k], `the same sysctl as ${seen.get(file)}, written another way`, "keep one of them"); continue; }
    seen.set(file, k);
    const val = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
    if (unsafeLine(val)) { P.add([...path, k], "a sysctl value is one line"); continue; }
    out[k] = val;
  }
  return out;
}

/**
 * A node that turns IPv6 off on an interface (or all) gets no IPv6 address there, as Docker (26)
 * gives such a container none: the kernel would refuse them, or drop them the moment the sysctl
 * is set. An address written for it (`isStatic`: ip6:) is refused instead.
 */
export function withoutIpv6WhereOff(P: Problems, node: { intfs: Intf[]; sysctls: Record<string, string> }, isStatic: (i: Intf) => boolean, path: KeyPath): void {
  for (const i of node.intfs) {
    const key = i.addrs.some((a) => a.includes(":")) ? ipv6OffKey(node.sysctls, i.name) : undefined;
    if (key === undefined) continue;
    if (isStatic(i)) P.add([...path, key], `turns IPv6 off on ${i.name}, which is given ${i.addrs.find((a) => a.includes(":"))}`, "remove the ip6: address, or this sysctl");
    i.addrs = i.addrs.filter((a) => !a.includes(":"));
  }
}

/** A setting of an interface (net.ipv4.conf.DEV…, neigh.DEV…) the namespace does not have: sysctl would find no such file at `up`. */
export function sysctlIfaces(P: Problems, sysctls: Record<string, string>, ifaces: Set<string>, who: string, path: KeyPath): void {
  for (const k of Object.keys(sysctls)) {
    const dev = sysctlDevice(k);
    if (dev === undefined || dev === "all" || dev === "default" || dev === "lo" || ifaces.has(dev)) continue;
    P.add([...path, k], `${who} has no interface "${dev}"`, ifaces.size ? `interfaces: ${[...ifaces].join(", ")}` : "declare the interface on a network or link first");
  }
}

/** `forward: true` and a sysctl turning IPv4 forwarding off (ip_forward, conf.all.forwarding) say opposite things: the sysctl, written last, would win quietly. */
export function forwardingOff(P: Problems, sysctls: Record<string, string>, forward: boolean, path: KeyPath): void {
  const key = Object.keys(sysctls).find((k) => ["net/ipv4/ip_forward", "net/ipv4/conf/all/forwarding"].includes(sysctlParts(k)?.join("/") ?? "") && sameSysctl(sysctls[k], "0"));
  if (forward && key) P.add([...path, key], "turns off the forwarding that forward: true turns on", "keep one of them");
}

/** A node's sysctls may not turn IPv6 off on a bridge it holds with an IPv6 gateway: its members' IPv6 goes through it. */
export function ipv6OnHeld(P: Problems, sysctls: Record<string, string>, held: { bridge: string; gateway6?: string }[], path: KeyPath): void {
  for (const n of held) {
    const key = n.gateway6 ? ipv6OffKey(sysctls, n.bridge) : undefined;
    if (key !== undefined) P.add([...path, key], `turns IPv6 off on bridge ${n.bridge}, whose IPv6 gateway is ${n.gateway6}`, "remove this sysctl, or the network's subnet6:");
  }
}

/** Linux's NAME_MAX: the longest name one directory entry can have, in bytes. */
export const NAME_MAX = 255;
/**
 * The longest `files:` path accepted, in bytes: PATH_MAX (4096, with its NUL) less the longest
 * directory netlab writes it under (/run/netlab/<lab>/etc/nodes/<32-character node>/, 73 bytes), rounded down.
 */
export const FILE_PATH_MAX = 4000;

/**
 * `files:`, path → content: inside the namespace at that path under /etc (ip netns exec mounts
 * /etc/netns/<ns>/<entry> over /etc/<entry>), so real daemons read their own configuration.
 * Plain paths below /etc only; hosts and resolv.conf are netlab's own. Everything `up` would
 * fail to write is refused here: a name longer than NAME_MAX, a path too long for the kernel,
 * a path that is a file in one entry and a directory in another.
 */
export function resolveFiles(P: Problems, raw: Record<string, string> | undefined, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, content] of Object.entries(raw ?? {})) {
    const parts = p.split("/").slice(2);
    if (!p.startsWith("/etc/") || !parts.length || parts.some((x) => x === "" || x === "." || x === ".." || !/^[A-Za-z0-9_.@+-]+$/.test(x))) {
      P.add([...path, p], `${p} is not a file under /etc`, "files go below /etc, e.g. /etc/bird/bird.conf: a plain absolute path");
      continue;
    }
    if (parts[0] === "hosts" || parts[0] === "resolv.conf") {
      P.add([...path, p], `/etc/${parts[0]} is written by netlab from the lab's names`, parts[0] === "hosts" ? "add names with hosts:" : "set nameservers with dns:");
      continue;
    }
    const long = parts.find((x) => Buffer.byteLength(x) > NAME_MAX);
    if (long) {
      P.add([...path, p], `the name ${long.slice(0, 24)}… is ${Buffer.byteLength(long)} bytes long; a file name has at most ${NAME_MAX} (NAME_MAX)`, "use a shorter name");
      continue;
    }
    if (Buffer.byteLength(p) > FILE_PATH_MAX) {
      P.add([...path, p], `${p.slice(0, 24)}… is ${Buffer.byteLength(p)} bytes long; a path in files: has at most ${FILE_PATH_MAX}`, "use a shorter path");
      continue;
    }
    out[p] = content;
  }
  // A file and a directory cannot share a name: the second of the two in the lab file is refused.
  const files = new Set<string>();
  const dirs = new Map<string, string>(); // a directory the files kept so far need → one of them
  for (const p of Object.keys(out)) {
    const parts = p.split("/");
    const ancestors = parts.slice(3).map((_, i) => parts.slice(0, 3 + i).join("/")); // /etc/a/b/c → /etc/a, /etc/a/b
    const file = dirs.has(p) ? p : ancestors.find((a) => files.has(a));
    if (file) {
      P.add([...path, p], `${file} is a file, and ${file === p ? dirs.get(p) : p} needs it to be a directory`, "a name is either a file or a directory: rename one of the two");
      delete out[p];
      continue;
    }
    files.add(p);
    for (const a of ancestors) if (!dirs.has(a)) dirs.set(a, p);
  }
  return out;
}
