// Which network namespace is "the host" of a lab, and how to reach it and the
// init mount namespace from wherever netlab happens to run.
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { EnvError } from "../errors.js";
import { mountHome } from "./mounts.js";

export { NETNS_DIR } from "../state/paths.js";
import { NETNS_DIR } from "../state/paths.js";

export function netnsId(pid: number | "self" = "self"): string {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`); // "net:[4026531840]"
  } catch {
    return "";
  }
}

/** The name under /run/netns of the namespace with this id, "root" for PID 1's, or null. */
export function nameOfNetns(id: string): string | null {
  if (id === netnsId(1)) return "root";
  const ino = /\[(\d+)\]/.exec(id)?.[1];
  if (!ino) return null;
  try {
    for (const n of readdirSync(NETNS_DIR)) {
      try {
        if (String(statSync(`${NETNS_DIR}/${n}`).ino) === ino) return n;
      } catch {
        /* a stale entry */
      }
    }
  } catch {
    /* no /run/netns */
  }
  return null;
}

export type { HostRef } from "../state/store.js";
import type { HostRef } from "../state/store.js";

export function currentHost(): HostRef {
  const id = netnsId();
  return { id, name: nameOfNetns(id) };
}

/** argv prefix that runs a command in the host namespace: empty when we are already in it. */
export function hostWrap(ref: HostRef): string[] | null {
  if (netnsId() === ref.id) return [];
  if (ref.name === "root") return ["nsenter", "--net=/proc/1/ns/net"];
  if (ref.name) return ["ip", "netns", "exec", ref.name];
  return null;
}

/**
 * argv prefix for `ip netns add|delete`: their mounts made in the mount namespace that holds
 * /run/netns for us (mounts.ts reads it from mount propagation): ours, or the one ours is a
 * slave of (`ip netns exec` runs us in a throwaway slave). Throws EnvError (exit 3) where that
 * namespace cannot be found.
 */
let mountWrap: string[] | undefined;
export function outerMountWrap(): string[] {
  if (mountWrap) return mountWrap;
  const home = mountHome(NETNS_DIR);
  if ("error" in home) throw new EnvError(home.error, "run netlab in the mount namespace that should hold the lab's namespaces (not inside a short-lived one)");
  mountWrap = home.wrap;
  return mountWrap;
}

export function netnsExists(name: string): boolean {
  try {
    statSync(`${NETNS_DIR}/${name}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The names in /run/netns, for asking about many: one directory read (~1 ms for 1,000) where a
 * stat each of those bind mounts takes ~10 ms. An entry that is no longer a namespace (a stale
 * file) is listed, as netnsExists finds it.
 */
export function netnsNames(): Set<string> {
  try {
    return new Set(readdirSync(NETNS_DIR));
  } catch {
    return new Set();
  }
}


/** For each of `names`, the pids of the processes inside it: one pass over /proc for all of them. */
export function pidsByNetns(names: string[]): Map<string, number[]> {
  const byIno = new Map<string, string>();
  for (const n of names) {
    try {
      byIno.set(`net:[${statSync(`${NETNS_DIR}/${n}`).ino}]`, n);
    } catch {
      /* already gone */
    }
  }
  const out = new Map<string, number[]>(names.map((n) => [n, []]));
  if (!byIno.size) return out;
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const ns = byIno.get(readlinkSync(`/proc/${p}/ns/net`));
      if (ns) out.get(ns)!.push(Number(p));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Pids of every process whose network namespace is one of `names`. */
export function pidsInNetns(names: string[]): number[] {
  return [...pidsByNetns(names).values()].flat();
}
