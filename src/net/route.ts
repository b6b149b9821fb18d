// What identifies a route line (`ip route` form): its destination and its table.
import { formatPrefix, parsePrefix } from "./ip.js";

const ROUTE_TYPES = new Set(["unicast", "blackhole", "unreachable", "prohibit", "throw", "local", "broadcast", "multicast", "nat", "anycast"]);

/** Destination as a canonical prefix ("0.0.0.0/0", "::/0", "10.0.0.1/32") and table ("main" by default). */
export function routeKey(line: string): { dst: string; table: string; family: 4 | 6 } | null {
  const t = line.trim().split(/\s+/);
  let dst = ROUTE_TYPES.has(t[0]) ? t[1] : t[0];
  if (!dst) return null;
  const ti = t.indexOf("table");
  const table = ti >= 0 ? normTable(t[ti + 1] ?? "main") : "main";
  const six = dst.includes(":") || /\bvia\s+\S*:/.test(line) || /\bvia\s+inet6\b/.test(line);
  if (dst === "default") dst = six ? "::/0" : "0.0.0.0/0";
  const p = parsePrefix(dst.includes("/") ? dst : `${dst}/${dst.includes(":") ? 128 : 32}`, false);
  return p ? { dst: formatPrefix(p), table, family: p.family } : null;
}

export function normTable(t: string): string {
  return t === "254" ? "main" : t === "255" ? "local" : t === "253" ? "default" : t;
}

/** A route line as `ip route show` prints it, made fit to give back to `ip route add`. */
export function reAddable(shown: string): string {
  return shown.replace(/\s+(linkdown|dead|offload|trap|rt_offload|rt_trap|pervasive)\b/g, "").trim();
}
