// Which network namespace is "the host" of a lab, and how to reach it and the
// init mount namespace from wherever netlab happens to run.
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

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
 * `ip netns exec` gives its command a private (slave) mount namespace, so a namespace
 * that `ip netns add` mounts there dies with it. netns add/delete therefore run in the
 * mount namespace of the nearest ancestor outside ours (the shell that ran `ip netns
 * exec`): mounts made there outlive us and still propagate down into our copy.
 * PID 1's is not used: on some machines it cannot be opened even by root.
 */
let mountWrap: string[] | undefined;
export function outerMountWrap(): string[] {
  if (mountWrap) return mountWrap;
  mountWrap = [];
  try {
    const ours = readlinkSync("/proc/self/ns/mnt");
    let pid = process.pid;
    for (let depth = 0; depth < 64 && pid > 1; depth++) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (pid <= 1) break;
      let theirs: string;
      try {
        theirs = readlinkSync(`/proc/${pid}/ns/mnt`);
      } catch {
        continue;
      }
      if (theirs !== ours) {
        mountWrap = ["nsenter", `--mount=/proc/${pid}/ns/mnt`];
        break;
      }
    }
  } catch {
    /* no /proc: nothing to do */
  }
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
