// Small, dependency-free IPv4/IPv6 address and prefix arithmetic.
// Addresses are kept as bigint so both families share one code path.

export type Family = 4 | 6;

export interface Prefix {
  family: Family;
  addr: bigint; // the network address (host bits zero)
  len: number;
}

export interface IfAddr {
  family: Family;
  addr: bigint;
  len: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyOf(text: string): Family | null {
  if (parseIPv4(text) !== null) return 4;
  if (parseIPv6(text) !== null) return 6;
  return null;
}

export function parseIPv4(text: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255 || (m[i].length > 1 && m[i].startsWith("0"))) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIPv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return null;
  let head = text;
  let tail4: bigint | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail4 = parseIPv4(text.slice(lastColon + 1));
    if (tail4 === null) return null;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const parts = head.split("::");
  if (parts.length > 2) return null;
  const split = (s: string) => (s === "" ? [] : s.split(":"));
  const left = split(parts[0]);
  const right = parts.length === 2 ? split(parts[1]) : [];
  const groups = parts.length === 2 ? 8 - left.length - right.length : 0;
  if (parts.length === 1 && left.length !== 8) return null;
  if (parts.length === 2 && groups < 1) return null;
  const all = [...left, ...Array(groups).fill("0"), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== null) v = (v & ~0xffffffffn) | tail4;
  return v;
}

export function parseAddr(text: string): { family: Family; addr: bigint } | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, addr: v4 };
  const v6 = parseIPv6(text);
  if (v6 !== null) return { family: 6, addr: v6 };
  return null;
}

function mask(family: Family, len: number): bigint {
  const bits = BigInt(BITS[family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(len))) - 1n);
}

/** "10.0.0.0/24" → Prefix. With strict, host bits must be zero. */
export function parsePrefix(text: string, strict = true): Prefix | null {
  const [a, l, extra] = text.split("/");
  if (extra !== undefined || l === undefined || !/^\d{1,3}$/.test(l)) return null;
  const p = parseAddr(a);
  if (!p) return null;
  const len = Number(l);
  if (len > BITS[p.family]) return null;
  const net = p.addr & mask(p.family, len);
  if (strict && net !== p.addr) return null;
  return { family: p.family, addr: net, len };
}

/** "10.0.0.5/24" or "10.0.0.5" (len from defaultLen) → interface address. */
export function parseIfAddr(text: string, defaultLen?: number): IfAddr | null {
  const [a, l, extra] = text.split("/");
  if (extra !== undefined) return null;
  const p = parseAddr(a);
  if (!p) return null;
  let len: number;
  if (l === undefined) {
    if (defaultLen === undefined) return null;
    len = defaultLen;
  } else {
    if (!/^\d{1,3}$/.test(l)) return null;
    len = Number(l);
  }
  if (len > BITS[p.family]) return null;
  return { family: p.family, addr: p.addr, len };
}

export function formatAddr(family: Family, addr: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 255n)).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((addr >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return hex.slice(0, best).join(":") + "::" + hex.slice(best + bestLen).join(":");
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddr(p.family, p.addr)}/${p.len}`;
}

export function formatIfAddr(a: IfAddr): string {
  return `${formatAddr(a.family, a.addr)}/${a.len}`;
}

export function prefixOf(a: IfAddr): Prefix {
  return { family: a.family, addr: a.addr & mask(a.family, a.len), len: a.len };
}

export function contains(p: Prefix, family: Family, addr: bigint): boolean {
  return p.family === family && (addr & mask(family, p.len)) === p.addr;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.len, b.len);
  const m = mask(a.family, len);
  return (a.addr & m) === (b.addr & m);
}

export function size(p: Prefix): bigint {
  return 1n << BigInt(BITS[p.family] - p.len);
}

/** Usable host range: excludes network and broadcast for IPv4 prefixes up to /30, the subnet-router anycast for IPv6. */
export function hostRange(p: Prefix): { first: bigint; last: bigint } {
  const n = size(p);
  if (p.family === 4 && p.len <= 30) return { first: p.addr + 1n, last: p.addr + n - 2n };
  if (p.family === 6 && p.len <= 126) return { first: p.addr + 1n, last: p.addr + n - 1n };
  return { first: p.addr, last: p.addr + n - 1n };
}

export function isNetworkOrBroadcast(p: Prefix, addr: bigint): boolean {
  const r = hostRange(p);
  return addr < r.first || addr > r.last;
}

/** An IPv4 prefix's netmask in dotted form (conntrack's --mask-src), e.g. /24 → 255.255.255.0. */
export function prefixMask(p: Prefix): string {
  const bits = 32 - p.len;
  return formatAddr(4, ((1n << 32n) - 1n) ^ ((1n << BigInt(bits)) - 1n));
}

/** The smallest MTU IPv6 works over (RFC 8200 section 5): below it Linux drops IPv6 from the device, addresses and all. */
export const IPV6_MIN_MTU = 1280;
