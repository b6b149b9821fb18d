// sysctl keys as sysctl(8) reads them, so that what netlab validates is what gets written.

/**
 * The /proc/sys path components of a key. sysctl(8) (procps) looks at the first separator: a
 * '/' means the key is a path already; a '.' means dots and slashes swap (`net.ipv4.conf.eth0/100.rp_filter`
 * names interface eth0.100). Null for anything that is not a plain path below net/: an empty,
 * "." or ".." component (`net.//.//.tmp.x` would be net/../../tmp/x) or an odd character.
 */
export function sysctlParts(key: string): string[] | null {
  const sep = /[./]/.exec(key)?.[0];
  const parts = sep === "/" ? key.split("/") : key.split(".").map((p) => p.replace(/\//g, "."));
  if (parts[0] !== "net" || parts.length < 2) return null;
  if (parts.some((p) => p === "" || p === "." || p === ".." || !/^[A-Za-z0-9_.:@+-]+$/.test(p))) return null;
  return parts;
}

/** The device a setting is of (net.ipv4.conf.DEV.NAME, net.ipv4.neigh.DEV.NAME; `all`, `default` included); undefined for any other key. */
export function sysctlDevice(key: string): string | undefined {
  const p = sysctlParts(key);
  return p && p.length === 5 && (p[2] === "conf" || p[2] === "neigh") ? p[3] : undefined;
}

/**
 * Whether the kernel's value `live` is the `want` a lab set: the kernel prints fields apart by a
 * tab ("20000\t30000" for ip_local_port_range "20000 30000"), and numbers in decimal, having read
 * them as C does (proc_dointvec, base 0: "010" is 8, "0x10" 16).
 */
export function sameSysctl(live: string, want: string): boolean {
  const norm = (v: string) => v.trim().split(/\s+/).map(cNumber).join(" ");
  return norm(live) === norm(want);
}

/** A field as the kernel reads a number (sign, then 0x… hex, 0… octal, or decimal) and prints it; any other text as it is. */
function cNumber(t: string): string {
  const m = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(t);
  if (!m) return t;
  const n = /^0x/i.test(m[2]) ? BigInt(m[2]) : m[2].startsWith("0") ? BigInt(`0o${m[2].slice(1) || "0"}`) : BigInt(m[2]);
  return String(m[1] === "-" ? -n : n);
}

/** Whether a namespace's `sysctls` turn IPv6 off on device `dev`: the key of its disable_ipv6, or of all's, set to anything but 0. */
export function ipv6OffKey(sysctls: Record<string, string>, dev: string): string | undefined {
  return Object.keys(sysctls).find((k) => {
    const p = sysctlParts(k);
    return !!p && p.length === 5 && p[1] === "ipv6" && p[2] === "conf" && (p[3] === "all" || p[3] === dev) && p[4] === "disable_ipv6" && !sameSysctl(sysctls[k], "0");
  });
}

/**
 * The /proc/sys file that says whether this kernel has setting `key`: a device's read off `lo`
 * (the device is made later; every namespace has lo, and a namespace other than the first has no
 * neigh/default).
 */
export function settingFile(key: string): string {
  const p = sysctlParts(key);
  if (!p) throw new Error(`not a network sysctl: ${JSON.stringify(key)}`);
  return `/proc/sys/${(sysctlDevice(key) !== undefined ? [...p.slice(0, 3), "lo", p[4]] : p).join("/")}`;
}

/** The key of device `dev`'s setting `name` (net.ipv4.conf.DEV.NAME): a dot in the device's name written as sysctl(8) reads it, a slash (eth0.100 is eth0/100). */
export function devKey(family: "ipv4" | "ipv6", dev: string, name: string): string {
  return `net.${family}.conf.${dev.replace(/\./g, "/")}.${name}`;
}

/** The /proc/sys file of a network sysctl; throws for a key that could leave /proc/sys/net. */
export function procSys(key: string): string {
  const parts = sysctlParts(key);
  if (!parts) throw new Error(`not a network sysctl: ${JSON.stringify(key)}`);
  return `/proc/sys/${parts.join("/")}`;
}

/**
 * IPv4 per-device settings in the order of their IFLA_INET_CONF slots (linux/ip.h
 * IPV4_DEVCONF_*, from 1), by their sysctl names (net/ipv4/devinet.c). The link dump carries them,
 * so a reader need not open a /proc/sys file per namespace (~0.08 ms each on a small VM).
 */
const INET_CONF = ["forwarding", "mc_forwarding", "proxy_arp", "accept_redirects", "secure_redirects", "send_redirects",
  "shared_media", "rp_filter", "accept_source_route", "bootp_relay", "log_martians", "tag", "arp_filter", "medium_id",
  "disable_xfrm", "disable_policy", "force_igmp_version", "arp_announce", "arp_ignore", "promote_secondaries", "arp_accept",
  "arp_notify", "accept_local", "src_valid_mark", "proxy_arp_pvlan", "route_localnet", "igmpv2_unsolicited_report_interval",
  "igmpv3_unsolicited_report_interval", "ignore_routes_with_linkdown", "drop_unicast_in_l2_multicast", "drop_gratuitous_arp",
  "bc_forwarding", "arp_evict_nocarrier"];

/**
 * IPv6 per-device settings in IFLA_INET6_CONF's order (linux/ipv6.h DEVCONF_*, from 0), by their
 * sysctl names (net/ipv6/addrconf.c); "" where /proc/sys shows another unit (jiffies) or the
 * file exists only with a kernel option, so the file is read instead.
 */
const INET6_CONF = ["forwarding", "hop_limit", "mtu", "accept_ra", "accept_redirects", "autoconf", "dad_transmits",
  "router_solicitations", "", "", "use_tempaddr", "temp_valid_lft", "temp_prefered_lft", "regen_max_retry",
  "max_desync_factor", "max_addresses", "force_mld_version", "accept_ra_defrtr", "accept_ra_pinfo", "", "", "", "proxy_ndp",
  "", "accept_source_route", "", "disable_ipv6", "accept_dad", "force_tllao", "ndisc_notify"];

/** Where a link dump holds a per-device sysctl: the device, its address family (2, 10) and the slot's DEVCONF number. */
export interface DevConf {
  dev: string;
  family: 2 | 10;
  index: number;
}

/** The link-dump place of `net.ipv4.conf.DEV.NAME` or `net.ipv6.conf.DEV.NAME`; undefined for any other key (all, default, ip_forward …). */
export function devConf(key: string): DevConf | undefined {
  const p = sysctlParts(key);
  if (!p || p.length !== 5 || p[2] !== "conf" || p[3] === "all" || p[3] === "default") return undefined;
  if (p[1] === "ipv4" && INET_CONF.includes(p[4])) return { dev: p[3], family: 2, index: INET_CONF.indexOf(p[4]) + 1 };
  if (p[1] === "ipv6" && INET6_CONF.includes(p[4])) return { dev: p[3], family: 10, index: INET6_CONF.indexOf(p[4]) };
  return undefined;
}

/** Every per-device sysctl name a link dump answers, for the test that compares them with /proc/sys. */
export const DEV_CONF_NAMES = { ipv4: INET_CONF, ipv6: INET6_CONF.filter(Boolean) };
