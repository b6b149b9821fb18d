// `ip -batch` lines shared by the kinds and the node steps.
import type { Intf } from "../lab/model.js";
import { qdiscLine } from "../net/tc.js";
import type { Ns, Op } from "./ops.js";

export const isV6 = (a: string) => a.includes(":");

/** nodad: an IPv6 address is usable at once instead of after duplicate detection. */
export function addrLine(addr: string, dev: string): string {
  return `address add ${addr} dev ${dev}${isV6(addr) ? " nodad" : ""}`;
}

/**
 * An interface without IPv6 addresses gets no IPv6 link-local address either
 * (addrgenmode none): it spares the kernel DAD and MLD work for every interface,
 * which halves the time to bring up a large lab, and keeps `ip addr` to what the lab says.
 */
export function noV6(name: string): string {
  return `link set dev ${name} addrgenmode none`;
}

/** An interface's MTU, MAC, addresses, up. */
export function intfLines(i: Intf): string[] {
  return [
    ...(i.mtu ? [`link set dev ${i.name} mtu ${i.mtu}`] : []),
    ...(i.mac ? [`link set dev ${i.name} address ${i.mac}`] : []),
    ...(i.addrs.some(isV6) ? [] : [noV6(i.name)]),
    ...i.addrs.map((a) => addrLine(a, i.name)),
    `link set dev ${i.name} up`,
  ];
}

/** The ownership marks of an interface netlab makes in a namespace it does not own. */
export function markLines(name: string, alias: string, altname?: string): string[] {
  return [`link set dev ${name} alias "${alias}"`, ...(altname ? [`link property add dev ${name} altname ${altname}`] : [])];
}

/** The impairments of these interfaces (all in one namespace), as one `tc -batch`, if any. */
export function tcOps(ns: Ns, intfs: Intf[]): Op[] {
  const lines = intfs.flatMap((i) => (i.netem ? [qdiscLine(i.name, i.netem)] : []));
  return lines.length ? [{ op: "tc", ns, lines }] : [];
}
