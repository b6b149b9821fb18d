// What an edit of a lab file changes, in the file's own terms (nodes, networks, links, host):
// what `netlab apply` names when it refuses an edit it cannot make in place.
import type { Lab } from "./model.js";

/**
 * What an edit changes, in the lab file's terms, for a refusal: nodes, networks and links added
 * or removed, and which settings of the others differ (firewalls and published ports aside:
 * those apply changes in place).
 */
export function labEdits(was: Lab, now: Lab): string[] {
  const out: string[] = [];
  const inPlace = new Set(["firewall", "publish"]);
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
      if (keys.length) out.push(`${kind} ${x.name}: ${keys.join(", ")}`);
    }
  };
  diff("node", was.nodes, now.nodes);
  diff("network", was.networks, now.networks);
  if (JSON.stringify(was.links) !== JSON.stringify(now.links)) out.push("links");
  const host = Object.keys({ ...was.host, ...now.host }).filter((k) => !inPlace.has(k) && JSON.stringify((was.host as unknown as Record<string, unknown>)[k]) !== JSON.stringify((now.host as unknown as Record<string, unknown>)[k]));
  if (host.length) out.push(`host: ${host.join(", ")}`);
  return out;
}
