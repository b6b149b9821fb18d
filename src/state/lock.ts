// A lock the kernel holds for us: flock(2) on an open file. It is released when the
// holder's last descriptor closes, so a SIGKILLed holder releases it too, and there is
// no stale-lock logic (reading pids, taking over) that two processes could race through.
//
// Node has no flock(); `flock(1)` is given our descriptor as fd 3 and locks the open file
// description we share with it, then exits leaving it locked: the lock is ours (Node opens
// files close-on-exec, so nothing else netlab starts inherits it).
import { spawn } from "node:child_process";
import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { EnvError, UsageError } from "../errors.js";

const BUSY = 75; // flock's exit status when the lock is held elsewhere (-E)

export interface LockOptions {
  /** How long to wait for another holder; 0 refuses at once. */
  waitMs: number;
  /** Called once when we have to wait, with the holder's pid if it wrote one. */
  onWait?: (holder: number | null) => void;
  /** Says what is locked, for the error when waiting runs out. */
  what: string;
}

function flock(fd: number, waitMs: number): Promise<number> {
  const args = waitMs > 0 ? ["-w", String(Math.max(0.1, waitMs / 1000)), "-E", String(BUSY), "-x", "3"] : ["-n", "-E", String(BUSY), "-x", "3"];
  return new Promise((resolve) => {
    const child = spawn("flock", args, { stdio: ["ignore", "ignore", "pipe", fd] });
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", () => resolve(127));
    child.on("close", (code) => resolve(code === 127 || err.includes("not found") ? 127 : (code ?? 1)));
  });
}

function holderOf(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock at `path` (created 0600, never through a symlink); returns its release. */
export async function acquire(path: string, opts: LockOptions): Promise<() => void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // the directory was tidied away meanwhile
      throw e;
    }
    let code = await flock(fd, 0);
    if (code === BUSY && opts.waitMs > 0) {
      opts.onWait?.(holderOf(path));
      code = await flock(fd, opts.waitMs);
    }
    if (code !== 0) {
      closeSync(fd);
      if (code === 127) {
        throw new EnvError("missing flock", "install the package util-linux (apt-get install util-linux), or run scripts/setup.sh");
      }
      const holder = holderOf(path);
      throw new UsageError(`another netlab${holder ? ` (pid ${holder})` : ""} is working on ${opts.what}`, "wait for it to finish, then try again");
    }
    // The previous holder may have removed the file after we opened it: then we hold a lock on
    // a name nobody else will open. Only the file still at `path` counts.
    let same = false;
    try {
      same = statSync(path).ino === fstatSync(fd).ino;
    } catch {
      /* removed */
    }
    if (!same) {
      closeSync(fd);
      continue;
    }
    ftruncateSync(fd, 0);
    writeSync(fd, String(process.pid), 0);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Removed while still held, so that whoever waits on this file notices and starts over.
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
      closeSync(fd);
    };
  }
  throw new UsageError(`cannot lock ${opts.what}`, "try again");
}

/**
 * Lock files whose holder died (the kernel released the lock; the name stayed): taking and
 * releasing each removes it. One that is held belongs to a netlab at work and stays.
 */
export async function sweepLocks(dir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((x) => /^\..*\.lock$/.test(x));
  } catch {
    return;
  }
  for (const f of names) {
    try {
      (await acquire(`${dir}/${f}`, { waitMs: 0, what: f }))();
    } catch {
      /* held */
    }
  }
}
