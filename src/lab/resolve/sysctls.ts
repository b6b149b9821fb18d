// `sysctls:` — only network sysctls, as sysctl(8) resolves the key; `files:` — only below /etc.
import type { KeyPath } from "../../errors.js";
import { sysctlParts } from "../../net/sysctl.js";
import { Problems } from "./context.js";
import { unsafeLine } from "./util.js";

export function resolveSysctls(P: Problems, raw: Record<string, string | number | boolean> | undefined, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    // Checked as sysctl(8) resolves it: "net.//.kernel.hostname" is kernel/hostname, not a net.* key.
    if (!sysctlParts(k)) {
      P.add([...path, k], `${k} is not a network sysctl`, "only net.* sysctls belong to a network namespace, written like net.ipv4.ip_forward (an interface with a dot: net.ipv4.conf.eth0/100.rp_filter)");
      continue;
    }
    const val = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
    if (unsafeLine(val)) { P.add([...path, k], "a sysctl value is one line"); continue; }
    out[k] = val;
  }
  return out;
}

/**
 * `files:`, path → content: inside the namespace at that path under /etc (ip netns exec mounts
 * /etc/netns/<ns>/<entry> over /etc/<entry>), so real daemons read their own configuration.
 * Plain paths below /etc only; hosts and resolv.conf are netlab's own.
 */
export function resolveFiles(P: Problems, raw: Record<string, string> | undefined, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, content] of Object.entries(raw ?? {})) {
    const parts = p.split("/").slice(2);
    if (!p.startsWith("/etc/") || !parts.length || parts.some((x) => x === "" || x === "." || x === ".." || !/^[A-Za-z0-9_.@+-]+$/.test(x))) {
      P.add([...path, p], `${p} is not a file under /etc`, "files go below /etc, e.g. /etc/bird/bird.conf: a plain absolute path");
      continue;
    }
    if (p === "/etc/hosts" || p === "/etc/resolv.conf") {
      P.add([...path, p], `${p} is written by netlab from the lab's names`, p === "/etc/hosts" ? "add names with hosts:" : "set nameservers with dns:");
      continue;
    }
    out[p] = content;
  }
  return out;
}
