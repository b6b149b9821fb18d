// Waiting on the lab's DNS servers through their log (state dir logs/dns.log): each logs
// "listening on ADDR:53 (udp, tcp)" once its SIGHUP handler is in place, and "reloaded version V"
// once it has read a version. Only what is logged past a byte offset taken before the server
// was started or signalled counts: the log keeps the lines of the servers before it.
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../lab/model.js";
import type { LabState } from "../state/store.js";
import { dnsHolders, dnsServers } from "./servers.js";

const logOf = (state: LabState) => join(state.logDir, "dns.log");

/** The DNS log's size in bytes (0 when there is none yet): where a server started from now on logs. */
export function dnsLogSize(state: LabState): number {
  return statSync(logOf(state), { throwIfNoEntry: false })?.size ?? 0;
}

/** The DNS log past byte `from` (all of it once rotated: smaller than `from`); "" when there is none. */
export function dnsLogSince(state: LabState, from: number): string {
  try {
    const fd = openSync(logOf(state), "r");
    try {
      const size = fstatSync(fd).size;
      const start = size < from ? 0 : from;
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}

/**
 * Waits until the lab's DNS servers listen on each of their addresses, as logged past byte
 * `from` (a server started again must not be taken for the one before it), at most `ms`; false
 * if they did not.
 */
export async function dnsListening(lab: Lab, state: LabState, ms: number, from = 0): Promise<boolean> {
  const want = dnsHolders(lab).flatMap((h) => dnsServers(lab, h));
  if (!want.length) return true;
  for (let i = 0; i < ms / 20; i++) {
    const text = dnsLogSince(state, from);
    if (want.every((a) => text.includes(`listening on ${a}:53 (udp, tcp)`))) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
