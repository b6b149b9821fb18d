// Where a problem found in the lowered lab is written in the Compose file: the lab's keys
// mapped back to the Compose keys they came from (the nearest one, when there is no exact one).
import type { KeyPath } from "../errors.js";

const NODE_KEYS: Record<string, string> = { networks: "networks", publish: "ports", hosts: "extra_hosts", dns: "dns", run: "command", sysctls: "sysctls", labels: "labels" };

export function translate(p: KeyPath): KeyPath {
  const [top, name, key, ...rest] = p;
  if (top === "nodes") {
    if (key === undefined) return ["services", name];
    const ck = NODE_KEYS[String(key)];
    if (!ck) return ["services", name];
    if (key === "networks" && rest.length) {
      const [net, field] = rest;
      const cf = field === "ip" ? "ipv4_address" : field === "ip6" ? "ipv6_address" : field === "mac" ? "mac_address" : field;
      return ["services", name, "networks", net, ...(cf !== undefined ? [cf] : [])];
    }
    return ["services", name, ck, ...(key === "publish" ? rest.slice(0, 1) : [])];
  }
  if (top === "networks" && (key === "subnet" || key === "gateway" || key === "subnet6" || key === "gateway6")) return ["networks", name, "ipam", "config", 0, String(key).replace("6", "")];
  if (top === "networks") return ["networks", name];
  if (top === "checks") return ["x-netlab", "checks", ...p.slice(1)];
  if (top === "host") return ["services"];
  return p;
}
