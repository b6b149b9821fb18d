// /run/netlab/<lab>/: the resolved lab, a journal written before every step, logs.
// The journal is what makes `down` and rollback work after a crash: it lists the
// undo of every step that was begun, whether or not it finished.
import { appendFileSync, chmodSync, renameSync, closeSync, constants, existsSync, fstatSync, openSync, readSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../lab/model.js";
import type { Op } from "../plan/ops.js";
import type { Facts } from "../plan/facts.js";
import { EnvError } from "../errors.js";
import { acquire } from "./lock.js";

export { FILES_ROOT, STATE_ROOT } from "./paths.js";
import { FILES_ROOT, STATE_ROOT } from "./paths.js";
const TMPFS_MAGIC = 0x01021994;

/**
 * The name files' directory for a lab, or null for "inside the state directory". /dev/shm is
 * world-writable: anyone could have made /dev/shm/netlab first and would then control what
 * `ip netns exec` mounts over /etc for root. It is used only when it is absent (netlab makes
 * it, root-only) or already a real directory of root's that nobody else can write.
 */
export function filesDirFor(lab: string): string | null {
  try {
    if (statfsSync("/dev/shm").type !== TMPFS_MAGIC) return null;
  } catch {
    return null;
  }
  return existsSync(FILES_ROOT) && untrustedDir(FILES_ROOT) ? null : join(FILES_ROOT, lab);
}

/**
 * Why a path cannot be trusted with root's files (or to be read back by root), or null when it
 * can: of the kind expected (never a link), ours, writable by us alone.
 */
function untrusted(path: string, kind: "directory" | "regular file"): string | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    return `${path} cannot be read (${(e as NodeJS.ErrnoException).code})`;
  }
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (kind === "directory" ? !st.isDirectory() : !st.isFile()) return `${path} is not a ${kind}`;
  const me = process.geteuid?.() ?? 0;
  if (st.uid !== me) return `${path} belongs to uid ${st.uid}, not to uid ${me}`;
  if (st.mode & 0o022) return `${path} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`;
  return null;
}

export const untrustedDir = (path: string) => untrusted(path, "directory");
export const untrustedFile = (path: string) => untrusted(path, "regular file");

/** Makes `path` (whose parent must be trusted or sticky) a root-only directory, or throws saying why it cannot. */
export function secureDir(path: string, mode = 0o700): void {
  // mkdir's mode passes through the umask: set it exactly, on what we made only.
  if (mkdirSync(path, { mode, recursive: true }) !== undefined) chmodSync(path, mode);
  const why = untrustedDir(path);
  if (why) throw new EnvError(`netlab will not use ${path}: ${why}`, `someone else made it; remove it (rm -rf ${path}) and run netlab again`);
}

export interface HostRef {
  /** netns id recorded at `up`. */
  id: string;
  /** "root", a /run/netns name, or null when the namespace has no name we can enter later. */
  name: string | null;
}

export interface Meta {
  version: 1;
  lab: Lab;
  /** What the lab must still have while it is up (plan/facts.ts). */
  facts?: Facts;
  hash: string;
  createdAt: string;
  host: HostRef;
  pid: number;
  /**
   * This instance of the lab: random, made at `up`, carried by everything netlab starts for it
   * (NETLAB_INSTANCE). A lab of the same name in another sandbox has another. Absent in states
   * written before it existed.
   */
  instance?: string;
}

export type Entry =
  /** The journal's first line: the instance (see Meta.instance), so that it survives a lost lab.json. */
  | { t: "instance"; id: string }
  | { t: "begin"; id: string; undo: Op[] }
  | { t: "phase"; name: string }
  | { t: "proc"; who: string; pid: number; cmd: string; log: string }
  /** Nodes apply removed: their services and namespaces (entries before this) are no longer the lab's. */
  | { t: "retire"; who: string[]; spaces?: string[]; logs?: string[] }
  | { t: "complete" }
  /** `run` services were seen listening once: later tests need not wait for them. */
  | { t: "ready" };

/** Undo ops a journal may hold: what compile and the executor write there, and nothing that runs a lab's commands. */
export const UNDO_OPS: ReadonlySet<Op["op"]> = new Set(["ip", "iptables-clean", "sysctl", "rm", "kill-ns", "host-release", "route-restore", "ipset-destroy", "conntrack"]);

export class LabState {
  readonly dir: string;
  private readonly lockPath: string;
  constructor(readonly lab: string, readonly root = STATE_ROOT) {
    this.dir = join(root, lab);
    this.lockPath = join(root, `.${lab}.lock`);
  }

  get metaPath() { return join(this.dir, "lab.json"); }
  get journalPath() { return join(this.dir, "journal.jsonl"); }
  get logDir() { return join(this.dir, "logs"); }

  /** Another netlab holds (or just held) this lab's lock. */
  busy = (): boolean => existsSync(this.lockPath);
  exists = (): boolean => existsSync(this.metaPath) || existsSync(this.journalPath);

  /** Which version of lab.json is there (inode, size, change time), or null: the same answer, the same file. */
  metaVersion(): string | null {
    const st = lstatSync(this.metaPath, { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.ctimeMs}` : null;
  }

  readMeta(): Meta | null {
    try {
      return JSON.parse(readFileSync(this.metaPath, "utf8")) as Meta;
    } catch {
      return null;
    }
  }

  /** The state directory is root's alone (0700) and its files 0600, whatever the umask. */
  create(meta: Meta): void {
    secureDir(this.root, 0o755);
    secureDir(this.dir);
    secureDir(this.logDir);
    writeFileSync(this.metaPath, JSON.stringify(meta), { mode: 0o600 });
    const first: Entry[] = meta.instance ? [{ t: "instance", id: meta.instance }] : [];
    writeFileSync(this.journalPath, first.map((e) => JSON.stringify(e) + "\n").join(""), { mode: 0o600 });
  }

  get pendingPath() { return join(this.dir, "pending.json"); }

  /** The versions applies began to put in place and did not finish (killed, or a command failed): any may be half live. */
  readPending(): Meta["lab"][] {
    return existsSync(this.pendingPath) ? (JSON.parse(readFileSync(this.pendingPath, "utf8")) as Meta["lab"][]) : [];
  }

  /** Recorded (aside, then renamed) before an apply touches anything; emptied once lab.json holds the new version. */
  writePending(labs: Meta["lab"][]): void {
    if (!labs.length) return rmSync(this.pendingPath, { force: true });
    writeFileSync(`${this.pendingPath}.new`, JSON.stringify(labs), { mode: 0o600 });
    renameSync(`${this.pendingPath}.new`, this.pendingPath);
  }

  /** Replaces lab.json whole (written aside, then renamed): a kill leaves the old version or the new, never half. */
  writeMeta(meta: Meta): void {
    const tmp = `${this.metaPath}.new`;
    writeFileSync(tmp, JSON.stringify(meta), { mode: 0o600 });
    renameSync(tmp, this.metaPath);
  }

  /** The instance id this state records (journal first, then lab.json), or null for an older state or none. */
  instance(): string | null {
    return instanceAt(this.dir);
  }

  append(...entries: Entry[]): void {
    appendFileSync(this.journalPath, entries.map((e) => JSON.stringify(e) + "\n").join(""), { mode: 0o600 });
  }

  /**
   * The journal, to be replayed by root. Refused unless only root could have written it, and
   * each undo may only be one of the kinds netlab itself journals: a line appended by someone
   * else must never become a command root runs.
   */
  journal(): Entry[] {
    let text = "";
    try {
      text = readFileSync(this.journalPath, "utf8");
    } catch {
      return [];
    }
    for (const [p, dir] of [[this.root, true], [this.dir, true], [this.journalPath, false]] as const) {
      const why = dir ? untrustedDir(p) : untrustedFile(p);
      if (why) throw new EnvError(`the state of lab ${this.lab} cannot be trusted: ${why}`, `netlab will not replay it; inspect ${this.dir}, remove it, and use netlab clean ${this.lab}`);
    }
    const out: Entry[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        break; // a torn last line from a crash
      }
      if (e.t === "begin" && !(Array.isArray(e.undo) && e.undo.every((op) => op && UNDO_OPS.has(op.op)))) {
        throw new EnvError(`the journal of lab ${this.lab} holds an undo netlab never writes: ${line.slice(0, 200)}`, `netlab will not replay it; inspect ${this.journalPath}`);
      }
      out.push(e);
    }
    return out;
  }

  complete(): boolean {
    return this.journal().some((e) => e.t === "complete");
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * One up/down of a lab at a time, held by the kernel (see lock.ts). A second one waits for
   * the first (`down` right after `up` tears down what that `up` made), up to NETLAB_LOCK_WAIT
   * seconds (default 120), then refuses.
   */
  async lock(onWait?: (holder: number | null) => void, waitMs = lockWaitMs()): Promise<() => void> {
    secureDir(this.root, 0o755);
    const release = await acquire(this.lockPath, { waitMs, onWait, what: `lab ${this.lab}` });
    return () => {
      release();
      removeRootIfEmpty(this.root);
    };
  }
}

export function lockWaitMs(): number {
  const s = Number(process.env.NETLAB_LOCK_WAIT ?? 120);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 120_000;
}

/** A zombie counts as dead: it has exited, whoever is slow to reap it. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

const INSTANCE = /^[0-9a-f]{16,64}$/;

/**
 * The instance recorded in the state directory `dir` (of any mount namespace's view: `dir` may
 * start with /proc/PID/root), or null. Read without following a last-component link and without
 * blocking on what is not a regular file; only compared, never replayed, so no trust check.
 */
export function instanceAt(dir: string): string | null {
  const first = readSmall(join(dir, "journal.jsonl"), 4096)?.split("\n")[0];
  let id: unknown;
  try {
    id = first ? (JSON.parse(first) as Partial<Extract<Entry, { t: "instance" }>>).id : undefined;
  } catch {
    /* torn */
  }
  if (typeof id !== "string") {
    try {
      id = (JSON.parse(readSmall(join(dir, "lab.json"), 64 << 20) ?? "null") as Partial<Meta> | null)?.instance;
    } catch {
      /* torn */
    }
  }
  return typeof id === "string" && INSTANCE.test(id) ? id : null;
}

/** Up to `max` bytes of a regular file, or null (absent, not a regular file, a link). */
function readSmall(path: string, max: number): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(Math.min(max, fstatSync(fd).size));
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString("utf8");
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export function removeRootIfEmpty(root = STATE_ROOT): void {
  try {
    if (readdirSync(root).length === 0) rmdirSync(root);
  } catch {
    /* not there, or not empty */
  }
}

export function labsWithState(root = STATE_ROOT): string[] {
  try {
    return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
}
