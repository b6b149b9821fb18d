// Where `ip netns add` must mount a namespace so that it outlives netlab, read from the kernel's
// mount propagation rather than guessed from parent processes (proc(5), mountinfo; the kernel's
// Documentation/filesystems/sharedsubtree.rst).
//
// `ip netns exec NS cmd` runs cmd in a new mount namespace whose mounts are slaves of the ones
// it was started from (`mount --make-rslave /`), so a mount made there dies with it. The mount
// covering /run/netns then says `master:N`; the namespace that holds the same mount as `shared:N`
// is where mounts propagate down into ours: mount there. Where the covering mount has no master
// (netlab started directly, or inside a user's `unshare --mount --propagation private`), our
// own mount namespace is the one that holds /run/netns: mount here.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** One line of /proc/PID/mountinfo: its mount point and its propagation peer groups. */
export interface MountEntry {
  mountPoint: string;
  shared?: number;
  master?: number;
}

/** Parses /proc/PID/mountinfo text (proc(5)); mount points unescaped (\040 is a space). */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f.length < 7) continue;
    const sep = f.indexOf("-", 6);
    const optional = f.slice(6, sep < 0 ? undefined : sep);
    const mountPoint = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const group = (k: string) => {
      const v = optional.find((o) => o.startsWith(`${k}:`));
      return v ? Number(v.slice(k.length + 1)) : undefined;
    };
    out.push({ mountPoint, shared: group("shared"), master: group("master") });
  }
  return out;
}

/** The mount that covers `path`: the deepest mount point above it, the last one mounted there. */
export function coveringMount(mounts: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const p = m.mountPoint;
    const covers = p === "/" || path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`);
    if (covers && (!best || p.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

function readMounts(pid: number | "self"): MountEntry[] | null {
  try {
    return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, "utf8"));
  } catch {
    return null;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** Our ancestors first (nearest first), then every other process: candidates to hold the master. */
function candidates(): number[] {
  const ancestors: number[] = [];
  for (let pid = parentOf(process.pid); pid > 0 && ancestors.length < 64; pid = parentOf(pid)) ancestors.push(pid);
  const seen = new Set(ancestors);
  let all: number[] = [];
  try {
    all = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => !seen.has(p) && p !== process.pid);
  } catch {
    /* no /proc */
  }
  return [...ancestors, ...all];
}

export type MountHome = { wrap: string[] } | { error: string };

/**
 * The argv prefix that runs `ip netns add|delete` where its mount of `dir` outlives us:
 * `[]` for our own mount namespace, `nsenter --mount=/proc/PID/ns/mnt` for the one that holds
 * the master of our covering mount, or an error naming why there is none.
 */
export function mountHome(dir: string): MountHome {
  const mine = readMounts("self");
  if (!mine) return { wrap: [] }; // no /proc: nothing to find, nothing to enter
  const cover = coveringMount(mine, dir);
  if (cover?.master === undefined) return { wrap: [] };
  let ours = "";
  try {
    ours = readlinkSync("/proc/self/ns/mnt");
  } catch {
    /* unreadable: compare nothing */
  }
  const tried = new Set<string>([ours]);
  for (const pid of candidates()) {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      continue;
    }
    if (tried.has(ns)) continue;
    tried.add(ns);
    const theirs = readMounts(pid);
    const m = theirs && coveringMount(theirs, dir);
    if (m && m.mountPoint === cover.mountPoint && m.shared === cover.master) return { wrap: ["nsenter", `--mount=/proc/${pid}/ns/mnt`] };
  }
  return {
    error:
      `${dir} in this mount namespace receives its mounts from peer group ${cover.master}, which no process on this machine holds shared: ` +
      `a namespace made here would vanish when netlab exits`,
  };
}
