// /run/netlab/<lab>/: the resolved lab, a journal written before every step, logs.
// The journal is what makes `down` and rollback work after a crash: it lists the
// undo of every step that was begun, whether or not it finished.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statfsSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Lab } from "../lab/model.js";
import type { Op } from "../plan/ops.js";
import type { HostRef } from "../runtime/netns.js";
import { UsageError } from "../lab/errors.js";

export const STATE_ROOT = process.env.NETLAB_STATE_DIR ?? "/run/netlab";

/**
 * Where nodes' hosts and resolv.conf files go: a tmpfs. A lab of 1,000 routers has 1,000
 * different hosts files, and on some disks each new file costs a millisecond of kernel time
 * (seen on this project's ext4 VMs, where /run is not a tmpfs). /dev/shm is a tmpfs on every
 * Linux system; without one, the files go into the state directory.
 */
export const FILES_ROOT = "/dev/shm/netlab";
const TMPFS_MAGIC = 0x01021994;

export function filesDirFor(lab: string): string | null {
  try {
    return statfsSync(dirname(FILES_ROOT)).type === TMPFS_MAGIC ? join(FILES_ROOT, lab) : null;
  } catch {
    return null;
  }
}

export interface Meta {
  version: 1;
  lab: Lab;
  hash: string;
  createdAt: string;
  host: HostRef;
  pid: number;
}

export type Entry =
  | { t: "begin"; id: string; undo: Op[] }
  | { t: "phase"; name: string }
  | { t: "proc"; who: string; pid: number; cmd: string; log: string }
  | { t: "complete" }
  /** `run` services were seen listening once: later tests need not wait for them. */
  | { t: "ready" };

export class LabState {
  readonly dir: string;
  private readonly lockPath: string;
  constructor(readonly lab: string, root = STATE_ROOT) {
    this.dir = join(root, lab);
    this.lockPath = join(root, `.${lab}.lock`);
  }

  get metaPath() { return join(this.dir, "lab.json"); }
  get journalPath() { return join(this.dir, "journal.jsonl"); }
  get logDir() { return join(this.dir, "logs"); }

  exists(): boolean {
    return existsSync(this.metaPath) || existsSync(this.journalPath);
  }

  readMeta(): Meta | null {
    try {
      return JSON.parse(readFileSync(this.metaPath, "utf8")) as Meta;
    } catch {
      return null;
    }
  }

  create(meta: Meta): void {
    mkdirSync(this.logDir, { recursive: true, mode: 0o755 });
    writeFileSync(this.metaPath, JSON.stringify(meta));
    writeFileSync(this.journalPath, "");
  }

  append(...entries: Entry[]): void {
    appendFileSync(this.journalPath, entries.map((e) => JSON.stringify(e) + "\n").join(""));
  }

  journal(): Entry[] {
    let text = "";
    try {
      text = readFileSync(this.journalPath, "utf8");
    } catch {
      return [];
    }
    const out: Entry[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as Entry);
      } catch {
        break; // a torn last line from a crash
      }
    }
    return out;
  }

  complete(): boolean {
    return this.journal().some((e) => e.t === "complete");
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One up/down of a lab at a time. A lock whose holder is gone is taken over. */
  lock(): () => void {
    mkdirSync(dirname(this.lockPath), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          rmSync(this.lockPath, { force: true });
          removeRootIfEmpty(dirname(this.lockPath));
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const holder = Number(readFileSync(this.lockPath, "utf8").trim());
        if (holder && holder !== process.pid && alive(holder)) {
          throw new UsageError(`another netlab (pid ${holder}) is working on lab ${this.lab}`, "wait for it to finish");
        }
        rmSync(this.lockPath, { force: true });
      }
    }
    throw new UsageError(`cannot lock lab ${this.lab}`);
  }
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
