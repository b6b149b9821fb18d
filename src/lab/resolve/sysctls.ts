// `sysctls:` — only network sysctls, as sysctl(8) resolves the key.
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
