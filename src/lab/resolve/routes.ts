// Routes in `ip route` form (strings or maps), checked as the kernel would take them.
import type { KeyPath } from "../../errors.js";
import { contains, formatPrefix, parseAddr, parsePrefix, type Family, type Prefix } from "../../net/ip.js";
import type { RawRoute } from "../schema.js";
import { Problems } from "./context.js";
import { unsafeLine } from "./util.js";

export const ROUTE_TYPES = new Set(["unicast", "blackhole", "unreachable", "prohibit", "throw", "local", "broadcast", "multicast", "nat", "anycast"]);

export function isMainDefault(line: string, fam: Family): boolean {
  const t = line.split(/\s+/);
  const dst = ROUTE_TYPES.has(t[0]) ? t[1] : t[0];
  const table = t.indexOf("table");
  if (table >= 0 && !["main", "254"].includes(t[table + 1])) return false;
  if (fam === 4) return (dst === "default" && !line.includes(":")) || dst === "0.0.0.0/0";
  return dst === "::/0" || (dst === "default" && /via\s+\S*:/.test(line));
}

/**
 * `connected`: the prefixes a node reaches directly (its addresses' subnets). When given, a
 * gateway must lie in one of them (or in a `dev` route's destination, or the route says
 * `onlink`): the kernel refuses any other at `up`, where the error would come too late.
 */

/** `after`: objects whose earlier problems explain a gateway this one cannot reach (a node's broken networks). */
export function resolveRoutes(P: Problems, raw: RawRoute[], path: KeyPath, ifaces: Set<string>, who: string, connected?: Prefix[], after: KeyPath[] = []): string[] {
  const out: string[] = [];
  const direct = connected ? [...connected] : [];
  if (connected)
    for (const r of raw) {
      const line = typeof r === "string" ? r.trim() : [r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`].filter(Boolean).join(" ");
      const t = line.split(/\s+/);
      const dst = ROUTE_TYPES.has(t[0]) ? t[1] : t[0];
      const p = dst && dst !== "default" ? parsePrefix(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`, false) : null;
      if (p && t.includes("dev") && !t.includes("via")) direct.push(p);
    }
  raw.forEach((r, i) => {
    const rp: KeyPath = [...path, i];
    let line: string;
    if (typeof r === "string") {
      if (unsafeLine(r) || !r.trim()) { P.add(rp, "a route is one line in `ip route` form", 'e.g. "10.0.2.0/24 via 10.0.1.2"'); return; }
      line = r.trim().replace(/\s+/g, " ");
    } else {
      line = [r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`, r.table !== undefined && `table ${r.table}`, r.metric !== undefined && `metric ${r.metric}`].filter(Boolean).join(" ");
    }
    const t = line.split(" ");
    let k = ROUTE_TYPES.has(t[0]) ? 1 : 0;
    const dst = t[k++];
    let fam: Family | null = null;
    if (dst === "default") fam = null;
    else {
      const p = parsePrefix(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`, false);
      if (!p) { P.add(rp, `"${dst}" is not a destination`, 'start a route with a prefix like 10.0.2.0/24, an address, or "default"'); return; }
      fam = p.family;
    }
    for (; k < t.length; k++) {
      const kw = t[k], val = t[k + 1];
      if (kw === "via") {
        const a = val ? parseAddr(val) : null;
        if (!a) { P.add(rp, `"via ${val ?? ""}" needs an IP address`, 'e.g. "via 10.0.1.2"'); return; }
        if (fam !== null && a.family !== fam) { P.add(rp, `${dst} is IPv${fam} but via ${val} is IPv${a.family}`); return; }
        if (connected && !t.includes("onlink") && !reachable(direct, a.family, a.addr)) {
          const nets = direct.filter((p) => p.family === a.family).map(formatPrefix);
          P.add(rp, `gateway ${val} is on no network ${who} is on`, nets.length ? `${who} reaches ${nets.join(", ")} directly; route via an address there (or add "dev IFACE onlink")` : `${who} has no IPv${a.family} address: give it one on a network or link first`, after);
          return;
        }
        fam = a.family; k++;
      } else if (kw === "dev") {
        if (!val || !ifaces.has(val)) { P.add(rp, `${who} has no interface "${val ?? ""}"`, ifaces.size ? `interfaces: ${[...ifaces].join(", ")}` : "declare the interface on a network or link first"); return; }
        k++;
      } else if (kw === "table" || kw === "metric" || kw === "src" || kw === "proto" || kw === "scope" || kw === "mtu" || kw === "realm" || kw === "tos") {
        if (val === undefined) { P.add(rp, `"${kw}" needs a value`); return; }
        k++;
      }
    }
    if (t.includes("onlink") && !t.includes("dev")) {
      P.add(rp, '"onlink" needs "dev IFACE": the kernel must be told which interface the gateway is on', `e.g. "${dst} via ${t[t.indexOf("via") + 1] ?? "GATEWAY"} dev eth0 onlink"`, after);
      return;
    }
    // ip -batch cannot take -6 per line; an explicit ::/0 carries the family instead.
    if (dst === "default" && fam === 6) line = line.replace(/\bdefault\b/, "::/0");
    out.push(line);
  });
  return out;
}

/** A gateway the kernel accepts without onlink: inside a directly reached prefix; IPv6 link-local once the node has IPv6. */

export function reachable(direct: Prefix[], family: Family, addr: bigint): boolean {
  if (family === 6 && addr >> 118n === 0x3fan && direct.some((p) => p.family === 6)) return true;
  return direct.some((p) => contains(p, family, addr));
}
