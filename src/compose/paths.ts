// Where a problem found in the lowered lab is written in the Compose file: the lab's keys
// mapped back to the Compose keys they came from (the nearest one, when there is no exact one),
// with the Compose file's own names for services and networks.
import type { KeyPath } from "../errors.js";

const NODE_KEYS: Record<string, string> = { networks: "networks", publish: "ports", hosts: "extra_hosts", dns: "dns", run: "x-netlab", sysctls: "sysctls", labels: "labels" };
const FIELDS: Record<string, string> = { ip: "ipv4_address", ip6: "ipv6_address", mac: "mac_address", iface: "interface_name" };

/** A translator from lab key paths to Compose key paths, given the lab names each Compose name became. */
export function makeTranslate(svcOf: Map<string, string>, netOf: Map<string, string>): (p: KeyPath) => KeyPath {
  const svc = (n: string | number | undefined) => svcOf.get(String(n)) ?? String(n);
  const net = (n: string | number | undefined) => netOf.get(String(n)) ?? String(n);
  return (p) => {
    const [top, name, key, ...rest] = p;
    if (top === "nodes") {
      if (key === undefined) return ["services", svc(name)];
      const ck = NODE_KEYS[String(key)];
      if (!ck) return ["services", svc(name)];
      if (key === "networks" && rest.length) {
        const [n, field, ...more] = rest;
        return ["services", svc(name), "networks", net(n), ...(field !== undefined ? [FIELDS[String(field)] ?? field, ...more] : [])];
      }
      if (key === "dns") return ["services", svc(name), rest[0] === "search" ? "dns_search" : "dns", ...rest.slice(1, 2)]; // nameservers and upstreams alike
      return ["services", svc(name), ck, ...(key === "publish" || key === "hosts" ? rest.slice(0, 1) : [])];
    }
    if (top === "networks" && ["subnet", "gateway", "subnet6", "gateway6"].includes(String(key))) return ["networks", net(name), "ipam", "config", 0, String(key).replace("6", "")];
    if (top === "networks") return ["networks", net(name)];
    if (top === "checks") return ["x-netlab", "checks", ...p.slice(1)];
    if (top === "host") return ["services"];
    return p;
  };
}
