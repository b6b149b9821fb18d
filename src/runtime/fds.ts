// Descriptors netlab was started with, beyond stdin, stdout and stderr, are closed at once:
// otherwise every tool, `run:` daemon and `exec` inherits them (a caller's
// `exec 100>file 300>&1; netlab up …` left a DNS server holding the caller's file and pipe for
// the lab's whole life). Node and libuv open everything of their own close-on-exec, so an
// inherited descriptor is exactly one without that flag.
import { closeSync, readdirSync, readFileSync } from "node:fs";

const O_CLOEXEC = 0o2000000;

/** Closes every descriptor above 2 that is not close-on-exec (read from /proc/self/fdinfo); returns the ones closed. */
export function closeInheritedFds(): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    return []; // no /proc: nothing to read, nothing to guess
  }
  // Node's IPC channel (when a parent gave it one) is the one inherited descriptor it uses.
  const channel = Number(process.env.NODE_CHANNEL_FD ?? -1);
  const closed: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2) || fd === channel) continue;
    try {
      const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1] ?? "", 8);
      if (Number.isNaN(flags) || flags & O_CLOEXEC) continue;
      closeSync(fd);
      closed.push(fd);
    } catch {
      /* the directory listing's own descriptor, gone already */
    }
  }
  return closed;
}
