// Preflight of the nodes an apply adds, as `up`'s preflight checks a whole lab: their namespaces,
// /etc/netns entries and host-side interface names must be free on this machine (exit 3 when
// not, before anything is touched), and the tools their steps run must be installed.
import { EnvError } from "../errors.js";
import type { Lab } from "../lab/model.js";
import { NETNS_ETC } from "../state/paths.js";
import { netnsNames } from "../runtime/netns.js";
import { filesMountable, linkNames, present } from "../runtime/preflight.js";
import { run } from "../runtime/proc.js";
import { requireTools } from "../runtime/tools.js";
import { toolsFor } from "../runtime/ops/index.js";
import type { Change } from "./compare.js";

/** Throws EnvError naming the first of the names apply would make (namespaces, host interfaces) that this machine already has. */
export async function membersFree(lab: Lab, changes: Change[], hostWrap: string[]): Promise<void> {
  requireTools(toolsFor({ lab: lab.name, phases: [{ name: "apply", concurrent: false, steps: changes.map((c) => ({ ...c })) }] }));
  const removed = new Set(changes.flatMap((c) => (c.retire ? c.ops.flatMap((o) => (o.op === "kill-ns" ? o.names : [])) : [])));
  const spaces = changes.flatMap((c) => c.spaces ?? []).filter((ns) => !removed.has(ns));
  filesMountable(lab.nodes.filter((n) => spaces.includes(n.ns)));
  const names = netnsNames();
  const taken = spaces.find((ns) => names.has(ns));
  if (taken) throw new EnvError(`network namespace ${taken} already exists, and lab ${lab.name} has no record of making it`, "another tool or an old run made it; check with ip netns list, and remove it with ip netns delete NAME if it is stale");
  const etc = spaces.map((ns) => `${NETNS_ETC}/${ns}`).find(present);
  if (etc) throw new EnvError(`${etc} already exists and lab ${lab.name} did not make it`, `netlab will neither use nor remove it; remove it yourself if it is stale: rm -r ${etc}`);
  // Host interfaces: the cables' host ends of added nodes, bridges of added networks, ends of join cables — read once.
  const ends = lab.nodes.filter((n) => spaces.includes(n.ns)).flatMap((n) => n.intfs.flatMap((i) => (i.kind === "bridge" && i.peer.node === null ? [i.peer.name] : [])));
  const made = [...ends, ...changes.flatMap((c) => c.makes ?? [])];
  if (!made.length) return;
  const ip = [...hostWrap, "ip", ...(lab.hostNs ? ["-n", lab.hostNs] : [])];
  // A few names: asked for one by one (a 1,000-node lab's host has 2,000 links to list); many: listed once.
  const exists = async (e: string) => ((await run([...ip, "link", "show", "dev", e])).code === 0 ? e : null);
  const listed = async () => {
    const names = linkNames((await run([...ip, "-j", "link", "show"])).stdout);
    return made.find((e) => names.has(e));
  };
  const clash = made.length <= 4 ? (await Promise.all(made.map(exists))).find(Boolean) : await listed();
  if (clash) throw new EnvError(`interface ${clash}, which apply would make in the host of lab ${lab.name}, already exists`, "is this lab already up from another file? (netlab status) Otherwise rename the network or node it is for");
}
