// sysctl keys as sysctl(8) reads them, so that what netlab validates is what gets written.

/**
 * The /proc/sys path components of a key. sysctl(8) (procps) looks at the first separator: a
 * '/' means the key is a path already; a '.' means dots and slashes swap (`net.ipv4.conf.eth0/100.rp_filter`
 * names interface eth0.100). Null for anything that is not a plain path below net/: an empty,
 * "." or ".." component (`net.//.//.tmp.x` would be net/../../tmp/x) or an odd character.
 */
export function sysctlParts(key: string): string[] | null {
  const sep = /[./]/.exec(key)?.[0];
  const parts = sep === "/" ? key.split("/") : key.split(".").map((p) => p.replace(/\//g, "."));
  if (parts[0] !== "net" || parts.length < 2) return null;
  if (parts.some((p) => p === "" || p === "." || p === ".." || !/^[A-Za-z0-9_.:@+-]+$/.test(p))) return null;
  return parts;
}

/** The /proc/sys file of a network sysctl; throws for a key that could leave /proc/sys/net. */
export function procSys(key: string): string {
  const parts = sysctlParts(key);
  if (!parts) throw new Error(`not a network sysctl: ${JSON.stringify(key)}`);
  return `/proc/sys/${parts.join("/")}`;
}
