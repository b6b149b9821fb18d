// Preflight of the nodes an apply adds, as `up`'s preflight checks a whole lab: their namespaces,
// /etc/netns entries and host-side interface names must be free on this machine (exit 3 when
// not, before anything is touched), and the tools their steps run must be installed.
import { EnvError } from "../errors.js";
import type { Lab } from "../lab/model.js";
import { NETNS_ETC } from "../state/paths.js";
import { netnsExists } from "../runtime/netns.js";
import { filesMountable, linkNames, present } from "../runtime/preflight.js";
import { run } from "../runtime/proc.js";
import { requireTools } from "../runtime/tools.js";
import { toolsFor } from "../runtime/ops/index.js";
import type { Change } from "./compare.js";

/** Throws EnvError naming the first of the added nodes' (and networks') names that this machine already has. */
export async function membersFree(lab: Lab, changes: Change[], hostWrap: string[]): Promise<void> {
  requireTools(toolsFor({ lab: lab.name, phases: [{ name: "apply", concurrent: false, steps: changes.map((c) => ({ ...c })) }] }));
  await bridgesFree(lab, changes, hostWrap);
  const create = changes.find((c) => c.id.startsWith("netns:+"));
  if (!create) return;
  const removed = new Set(changes.flatMap((c) => (c.retire ? c.ops.flatMap((o) => (o.op === "kill-ns" ? o.names : [])) : [])));
  const spaces = (create.spaces ?? []).filter((ns) => !removed.has(ns));
  filesMountable(lab.nodes.filter((n) => spaces.includes(n.ns)));
  const taken = spaces.find(netnsExists);
  if (taken) throw new EnvError(`network namespace ${taken} already exists, and lab ${lab.name} has no record of making it`, "another tool or an old run made it; check with ip netns list, and remove it with ip netns delete NAME if it is stale");
  const etc = spaces.map((ns) => `${NETNS_ETC}/${ns}`).find(present);
  if (etc) throw new EnvError(`${etc} already exists and lab ${lab.name} did not make it`, `netlab will neither use nor remove it; remove it yourself if it is stale: rm -r ${etc}`);
  const ends = lab.nodes.filter((n) => spaces.includes(n.ns)).flatMap((n) => n.intfs.flatMap((i) => (i.kind === "bridge" && i.peer.node === null ? [i.peer.name] : [])));
  if (!ends.length) return;
  const names = await hostLinks(lab, hostWrap);
  const clash = ends.find((e) => names.has(e));
  if (clash) throw new EnvError(`the host-side interface ${clash} of a node apply adds already exists`, "is this lab already up from another file? (netlab status)");
}

/** The bridges of networks apply adds (not ones it deletes first, an unfinished apply's) must be free in the lab's host. */
async function bridgesFree(lab: Lab, changes: Change[], hostWrap: string[]): Promise<void> {
  const made = changes.flatMap((c) => c.makes ?? []);
  if (!made.length) return;
  const names = await hostLinks(lab, hostWrap);
  const clash = made.find((b) => names.has(b));
  if (clash) throw new EnvError(`interface ${clash}, the bridge of a network apply adds to lab ${lab.name}, already exists`, "is this lab already up from another file? (netlab status) Otherwise rename the network");
}

/** The interfaces of the lab's host: the namespace netlab runs in, or an isolated lab's own. */
async function hostLinks(lab: Lab, hostWrap: string[]): Promise<Set<string>> {
  return linkNames((await run([...hostWrap, "ip", ...(lab.hostNs ? ["-n", lab.hostNs] : []), "-j", "link", "show"])).stdout);
}
