// Every file a user names for netlab to write — `graph -o`, `--junit`, `init`, `capture -w` —
// is opened here, and only here. netlab often runs as root, in directories others can write to
// (/tmp): a symbolic link planted there would make root write, or create, a file anywhere. So:
// every directory on the way is walked by hand, and a symbolic link is followed only when its
// owner is root (or whoever runs netlab: their own links cannot take them further than they
// could go); the file itself is opened relative to the directory so checked
// (/proc/self/fd/N/name) with O_NOFOLLOW, so nothing can be swapped in between; an existing file
// is written only when it is an ordinary file with one name, owned by root, by us or by the user
// sudo ran netlab for; and a file netlab creates belongs to that user (SUDO_UID/SUDO_GID).
import { closeSync, constants as C, fchownSync, fstatSync, ftruncateSync, lchownSync, lstatSync, mkdirSync, openSync, readlinkSync, writeSync, type Stats } from "node:fs";
import { UsageError } from "./errors.js";

export interface OutputOptions {
  /** Replace an existing file (keeping its owner); otherwise an existing name is refused. */
  overwrite: boolean;
  /** Create missing directories on the way (owned by the invoking user, as the file). */
  mkdirs?: boolean;
  /** The hint when the file exists and overwrite is false. */
  existsHint?: string;
}

export interface Output {
  fd: number;
  /** Where the file really is: every symbolic link on the way resolved. */
  path: string;
  created: boolean;
}

const MAX_LINKS = 40; // the kernel's own limit (ELOOP)

/** The user sudo ran netlab for, when netlab runs as root through sudo; else null. */
export function invokingUser(env: NodeJS.ProcessEnv = process.env): { uid: number; gid: number } | null {
  if (process.geteuid?.() !== 0) return null;
  const id = (s: string | undefined) => (s && /^\d{1,10}$/.test(s) ? Number(s) : null);
  const uid = id(env.SUDO_UID), gid = id(env.SUDO_GID);
  return uid !== null && gid !== null && uid !== 0 ? { uid, gid } : null;
}

/** Root's links, and our own (when not root), may be followed: nobody else can have made them. */
const trustedOwner = (uid: number) => uid === 0 || uid === process.geteuid?.();

function refuse(path: string, why: string, hint = "remove it, or write somewhere else (a directory of your own)"): never {
  throw new UsageError(`will not write ${path}: ${why}`, hint);
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);
const parentOf = (dir: string) => dir.slice(0, dir.lastIndexOf("/")) || "/";
const absolute = (p: string) => (p.startsWith("/") ? p : join(process.cwd(), p));

/**
 * The real path of directory `dir` (absolute), walked one component at a time: a symbolic link
 * is followed only when trusted, so no link someone else planted decides where netlab writes.
 * `missing` collects components that do not exist (then nothing below them is walked).
 * Throws UsageError for an untrusted link, a component that is not a directory, a loop.
 */
function walk(dir: string, shown: string, missing: string[] | null, links = { n: 0 }): string {
  let cur = "/";
  const parts = dir.split("/").filter((x) => x && x !== ".");
  for (const [i, part] of parts.entries()) {
    if (part === "..") { cur = parentOf(cur); continue; }
    const next = join(cur, part);
    const st = lstatOrNull(next);
    if (!st) {
      if (!missing || parts.slice(i).includes("..")) refuse(shown, `directory ${next} does not exist`, "create it first");
      missing.push(...parts.slice(i).map((_, j) => join(cur, parts.slice(i, i + j + 1).join("/"))));
      return next;
    }
    if (st.isSymbolicLink()) {
      if (!trustedOwner(st.uid)) refuse(shown, `${next} is a symbolic link owned by uid ${st.uid}, not by root`, "someone may have planted it to make root write elsewhere: remove it, or give the real path");
      if (++links.n > MAX_LINKS) refuse(shown, "too many levels of symbolic links");
      const target = readlinkSync(next);
      cur = walk(target.startsWith("/") ? target : join(cur, target), shown, null, links);
      continue;
    }
    if (!st.isDirectory()) refuse(shown, `${next} is not a directory`);
    cur = next;
  }
  return cur;
}

/** Makes the missing directories one by one (mode 0755 less umask), each owned by the invoking user. */
function makeDirs(dirs: string[]): void {
  const user = invokingUser();
  for (const d of dirs) {
    mkdirSync(d, 0o777);
    if (user) lchownSync(d, user.uid, user.gid);
  }
}

/** Opens directory `real` (a path without links) and checks that the descriptor is that very directory. */
function openDir(real: string, shown: string): number {
  const fd = openSync(real, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  if (readlinkSync(`/proc/self/fd/${fd}`) !== real) {
    closeSync(fd);
    refuse(shown, `${real} changed while netlab was opening it`, "someone is renaming directories on the way; write somewhere only you can write to");
  }
  return fd;
}

/** An existing file may be written when it is an ordinary file with one name, whose owner is trusted (or the invoking user); a device such as /dev/null too. */
function checkExisting(fd: number, shown: string): void {
  const st = fstatSync(fd);
  if (st.isCharacterDevice()) return;
  if (!st.isFile()) refuse(shown, "it is not an ordinary file");
  if (!trustedOwner(st.uid) && st.uid !== invokingUser()?.uid) refuse(shown, `it exists and belongs to uid ${st.uid}, who could then read or change what netlab writes`);
  if (st.nlink > 1) refuse(shown, `it has ${st.nlink} names (hard links): writing it would change the others too`);
}

/**
 * Opens `path` for writing as described at the top of this file: created (O_EXCL) or, with
 * `overwrite`, an existing file emptied. Returns the descriptor, which the caller closes (or
 * hands to a child as its stdout). Errors: UsageError (exit 2) naming the path and why.
 */
export function openOutput(path: string, opts: OutputOptions, links = { n: 0 }): Output {
  // Our own descriptors — `-`, /dev/stdout, /dev/fd/N — are reopened as they are (a pipe into
  // wireshark, `| head`), appending, so `>> log` is not truncated; no link of anyone's is followed.
  const own = path === "-" ? 1 : /^\/dev\/(?:stdout|fd\/(\d+))$|^\/proc\/self\/fd\/(\d+)$/.exec(path);
  if (own !== null) {
    const n = typeof own === "number" ? own : Number(own[1] ?? own[2] ?? 1);
    return { fd: openSync(`/proc/self/fd/${n}`, "a"), path, created: false };
  }
  const abs = absolute(path);
  const name = abs.slice(abs.lastIndexOf("/") + 1);
  if (!name || name === "." || name === "..") refuse(path, "it names a directory, not a file");
  const missing: string[] = [];
  const dir = abs.slice(0, abs.lastIndexOf("/")) || "/";
  try {
    walk(dir, path, opts.mkdirs ? missing : null, links);
    if (missing.length) makeDirs(missing);
    const real = walk(dir, path, null, links);
    const dfd = openDir(real, path);
    try {
      return openIn(dfd, real, name, path, opts, links);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    // Swapped for a link between the look and the open (O_NOFOLLOW), or the system's own refusal (EACCES, EROFS …).
    refuse(path, code === "ELOOP" ? "it became a symbolic link while netlab was opening it" : (e as Error).message.replace(/, open .*$/, ""));
  }
}

function openIn(dfd: number, real: string, name: string, shown: string, opts: OutputOptions, links: { n: number }): Output {
  const at = `/proc/self/fd/${dfd}/${name}`;
  const flags = C.O_WRONLY | C.O_NOFOLLOW; // libuv adds O_CLOEXEC
  try {
    const fd = openSync(at, flags | C.O_CREAT | C.O_EXCL, 0o666);
    const user = invokingUser();
    if (user) fchownSync(fd, user.uid, user.gid);
    return { fd, path: join(real, name), created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = lstatSync(at);
  if (!opts.overwrite) throw new UsageError(`${shown} already exists${st.isSymbolicLink() ? " (a symbolic link: netlab does not create a file through one)" : ""}`, opts.existsHint ?? "remove it, or choose another name");
  if (st.isSymbolicLink()) {
    if (!trustedOwner(st.uid)) refuse(shown, `it is a symbolic link owned by uid ${st.uid}, not by root`, "someone may have planted it to make root write elsewhere: remove it, or give the real path");
    if (++links.n > MAX_LINKS) refuse(shown, "too many levels of symbolic links");
    const target = readlinkSync(at);
    return openOutput(target.startsWith("/") ? target : join(real, target), opts, links);
  }
  // O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead of hanging.
  const fd = openSync(at, flags | C.O_NONBLOCK);
  try {
    checkExisting(fd, shown);
    if (fstatSync(fd).isFile()) ftruncateSync(fd, 0);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { fd, path: join(real, name), created: false };
}

/** Writes `content` to `path` through openOutput. */
export function writeOutput(path: string, content: string | Uint8Array, opts: OutputOptions): Output {
  const out = openOutput(path, opts);
  try {
    const buf = typeof content === "string" ? Buffer.from(content) : content;
    for (let off = 0; off < buf.length; ) off += writeSync(out.fd, buf, off, buf.length - off);
  } finally {
    closeSync(out.fd);
  }
  return out;
}
