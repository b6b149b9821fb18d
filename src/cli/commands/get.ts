// `netlab get LAB KIND [-n NS | -A] [-o wide|json|yaml]`: a cluster's pods, services,
// endpoints and nodes as `kubectl get` prints them, read from the lab that is up (kube/get.ts).
import { dump } from "js-yaml";
import { UsageError } from "../../errors.js";
import { findState, requireUp } from "../../running.js";
import { runningProcs } from "../../runtime/drift.js";
import { ageOf, getTable, kindOf } from "../../kube/get.js";
import { asObjects } from "../../kube/as-objects.js";
import { table } from "../output.js";

export async function getCmd(ref: string, given: string, named: string | undefined, opts: { namespace?: string; allNamespaces?: boolean; output?: string; showLabels?: boolean }): Promise<number> {
  // kubectl's KIND/NAME (po/web-0) as well as KIND NAME.
  const [what, name] = given.includes("/") && named === undefined ? [given.slice(0, given.indexOf("/")), given.slice(given.indexOf("/") + 1)] : [given, named];
  const kind = kindOf(what);
  if (name !== undefined && opts.allNamespaces) throw new UsageError("a resource cannot be retrieved by name across all namespaces", "name its namespace: -n NS");
  if (!kind) throw new UsageError(`netlab get does not know "${what}"`, "pods, services, endpoints, nodes, deployments, namespaces or networkpolicies (po, svc, ep, no, deploy, ns, netpol)");
  if (opts.output && !["wide", "json", "yaml"].includes(opts.output)) throw new UsageError(`-o ${opts.output}: netlab get prints wide, json or yaml`, "e.g. -o wide");
  if (opts.showLabels && kind !== "pods" && kind !== "namespaces") throw new UsageError(`--show-labels: netlab keeps the labels of pods and namespaces, not of ${kind}`, "netlab get LAB pods --show-labels");
  const meta = await requireUp(ref);
  const cluster = meta.lab.kube;
  if (!cluster) throw new UsageError(`lab ${meta.lab.name} has no kubernetes: section`, "netlab status shows its nodes");
  const state = await findState(ref);
  // The cluster DNS's pod runs the lab's DNS server (_dns@POD), not a service of its own.
  const running = new Set(state ? runningProcs(state.journal()).map((p) => p.who.replace(/^_dns@/, "")) : []);
  const ips = new Map(meta.lab.nodes.map((n) => [n.name, n.intfs[0]?.addrs[0]?.split("/")[0] ?? "<none>"]));
  const o = { ns: opts.allNamespaces ? null : opts.namespace ?? "default", wide: opts.output === "wide", labels: !!opts.showLabels };
  const live = { running, age: ageOf(Date.now() - Date.parse(meta.createdAt)), ageSince: (since: string) => ageOf(Date.now() - Date.parse(since)) };
  const all = getTable(cluster, kind, o, live, ips);
  // `get pods web-0`: that one, or kubectl's NotFound.
  const at = all.head.indexOf("NAME");
  const t = name === undefined ? all : { head: all.head, rows: all.rows.filter((r) => r[at] === name) };
  if (name !== undefined && !t.rows.length) {
    process.stderr.write(`Error from server (NotFound): ${kind} "${name}" not found\n`);
    return 1;
  }
  if (opts.output === "json" || opts.output === "yaml") {
    // As kubectl: the objects themselves (a List, or the one named), for jq and jsonpath.
    const list = asObjects(cluster, kind, o, live, ips) as { items: { metadata: { name: string } }[] };
    const one = name === undefined ? list : list.items.find((x) => x.metadata.name === name);
    process.stdout.write(opts.output === "json" ? JSON.stringify(one, null, 4) + "\n" : dump(one));
    return 0;
  }
  if (!t.rows.length) {
    process.stdout.write(`No resources found${o.ns ? ` in ${o.ns} namespace` : ""}.\n`);
    return 0;
  }
  process.stdout.write(table(t.head, t.rows, Infinity) + "\n");
  return 0;
}
