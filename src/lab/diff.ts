// What an edit of a lab file changes, in the file's own terms (nodes, networks, links, host):
// what `netlab apply` names when it refuses an edit it cannot make in place.
import type { Lab } from "./model.js";

/** The model's fields as the lab file spells them (what a refusal names). */
const FILE_KEYS: Record<string, string> = {
  intfs: "networks (addresses, aliases, interfaces)",
  extraHosts: "hosts",
  upstreams: "dns",
  bridges: "networks it holds (in:)",
  ns: "name",
  vhost: "hosts:",
  subnet: "subnet",
  gatewayMode: "gatewayMode",
  spans: "hosts",
  vlanId: "id",
  holder: "in",
  replaceRoutes: "routes",
  routePaths: "routes",
};

/**
 * What an edit changes, in the lab file's terms, for a refusal: nodes, networks and links added
 * or removed, and which settings of the others differ (firewalls and published ports aside:
 * those apply changes in place).
 */
export function labEdits(was: Lab, now: Lab): string[] {
  const out: string[] = [];
  const inPlace = new Set(["firewall", "publish", "path"]);
  const diff = <T extends { name: string }>(kind: string, a: T[], b: T[]) => {
    const names = (xs: T[]) => xs.map((x) => x.name);
    const added = names(b).filter((n) => !names(a).includes(n));
    const gone = names(a).filter((n) => !names(b).includes(n));
    if (added.length) out.push(`${kind}s added: ${added.join(", ")}`);
    if (gone.length) out.push(`${kind}s removed: ${gone.join(", ")}`);
    for (const x of b) {
      const y = a.find((o) => o.name === x.name) as Record<string, unknown> | undefined;
      if (!y) continue;
      const keys = Object.keys({ ...y, ...x }).filter((k) => !inPlace.has(k) && JSON.stringify((x as Record<string, unknown>)[k]) !== JSON.stringify(y[k]));
      const said = [...new Set(keys.map((k) => FILE_KEYS[k] ?? k))];
      if (said.length) out.push(`${kind} ${x.name}: ${said.join(", ")}`);
    }
  };
  diff("node", was.nodes, now.nodes);
  diff("network", was.networks, now.networks);
  if (JSON.stringify(was.links) !== JSON.stringify(now.links)) out.push("links");
  const host = Object.keys({ ...was.host, ...now.host }).filter((k) => !inPlace.has(k) && JSON.stringify((was.host as unknown as Record<string, unknown>)[k]) !== JSON.stringify((now.host as unknown as Record<string, unknown>)[k]));
  if (host.length) out.push(`host: ${host.map((k) => (k === "intfs" ? "its ends of links (links to host)" : (FILE_KEYS[k] ?? k))).join(", ")}`);
  return out;
}

/** Whether the file must be read again as the lab that is up reads it: addresses it would renumber or give back too soon, or a cluster (its objects applied since, their ages, its allocations). */
export const readAsUp = (lab: Lab, up: Lab): boolean => !!(up.kube || lab.kube?.overlay || up.retired?.length) || renumbers(lab, up);

/**
 * Whether the file must be resolved again against the lab as it is up (keeping the old
 * addresses, new nodes avoiding freed ones): a node both versions have got another address on a
 * network both give it, or a node the lab did not have took an address the lab as it is up uses
 * (one a removed node had: the others' ARP caches still hold it).
 */
export function renumbers(lab: Lab, up: Lab): boolean {
  const key = (n: Lab["nodes"][number], i: Lab["nodes"][number]["intfs"][number]) => `${n.name}|${i.kind === "veth" ? `link ${i.link}` : i.network}`;
  const was = new Map(up.nodes.flatMap((n) => n.intfs.map((i) => [key(n, i), i.addrs.join(" ")] as const)));
  const names = new Set(up.nodes.map((n) => n.name));
  const used = new Set(up.nodes.flatMap((n) => n.intfs.flatMap((i) => i.addrs.map((a) => a.split("/")[0]))));
  return lab.nodes.some((n) => n.intfs.some((i) => {
    const old = was.get(key(n, i));
    if (old !== undefined) return old !== i.addrs.join(" ");
    return !names.has(n.name) && i.addrs.some((a) => used.has(a.split("/")[0]));
  }));
}
