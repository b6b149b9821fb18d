// What the running kernel was seen to have (kernel.ts's trials), kept for as long as it runs:
// a module loaded or built in does not go away on its own, so a feature tried once this boot
// need not be tried again. Only what it has is kept — a module installed later counts at once —
// and only in the user's own cache directory, the one bin/netlab keeps V8's compiled code in
// (`$TMPDIR/netlab-compile-cache-<uid>`, or NETLAB_COMPILE_CACHE): nobody else can write it, so
// nobody can make netlab believe in a feature the kernel lacks. Not in /run/netlab, which is
// as it was once the last lab is down. A file that cannot be read or written is no cache.
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** The user's own cache directory (as bin/netlab finds it), or null when it is not theirs alone. */
function cacheDir(): string | null {
  const uid = process.getuid?.() ?? 0;
  const dir = process.env.NETLAB_COMPILE_CACHE ?? join(tmpdir(), `netlab-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    /* there already: checked below */
  }
  const s = lstatSync(dir, { throwIfNoEntry: false });
  return s?.isDirectory() && s.uid === uid && (s.mode & 0o022) === 0 ? dir : null;
}

const BOOT_FILE = /^kernel-[0-9a-f-]{36}\.json$/;

/** This boot's file: the kernel's boot id names it (a reboot, perhaps into another kernel, starts afresh). */
function seenFile(): string | null {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const dir = /^[0-9a-f-]{36}$/.test(boot) ? cacheDir() : null;
    return dir && join(dir, `kernel-${boot}.json`);
  } catch {
    return null;
  }
}

/** The features this boot's kernel was seen to have; none when nothing was kept. */
export function seenThisBoot(): string[] {
  const f = seenFile();
  try {
    const v = f ? (JSON.parse(readFileSync(f, "utf8")) as unknown) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Keeps `features` (all the kernel was seen to have) for this boot: written aside, then renamed. */
export function keepSeen(features: string[]): void {
  const f = seenFile();
  if (!f) return;
  const tmp = `${f}.${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify([...new Set([...seenThisBoot(), ...features])].sort()), { mode: 0o600 });
    renameSync(tmp, f);
    for (const old of readdirSync(dirname(f))) if (BOOT_FILE.test(old) && old !== basename(f)) rmSync(join(dirname(f), old), { force: true }); // earlier boots'
  } catch {
    rmSync(tmp, { force: true }); // tried again next time
  }
}
