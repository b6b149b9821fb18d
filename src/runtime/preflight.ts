// Read-only checks against the live system, before anything is touched: names
// already taken, host routes a lab subnet would shadow, missing tools.
import { existsSync, lstatSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { EnvError, LabError, type KeyPath, type Problem } from "../errors.js";
import { samePublishedPort, type Lab } from "../lab/model.js";
import { formatPrefix, overlaps, parsePrefix, prefixOf, parseIfAddr, type Prefix } from "../net/ip.js";
import { NETNS_ETC } from "../state/paths.js";
import { settingFile, sysctlDevice } from "../net/sysctl.js";
import { madeBy } from "./ops/ip.js";
import { kernelLab } from "../net/names.js";
import type { Plan } from "../plan/ops.js";
import { toolsFor } from "./ops/index.js";
import { requireTools } from "./tools.js";
import { missing as missingFeatures } from "./kernel.js";
import { describeNetem, needsNetem, type Netem } from "../net/tc.js";
import { netnsId, netnsNames, outerMountWrap } from "./netns.js";
import { labsWithState, LabState } from "../state/store.js";
import { run } from "./proc.js";
import { normTable, routeKey } from "../net/route.js";
import type { LabSource } from "../lab/source.js";
import { livePrefixesFrom } from "./host-subnets.js";

interface LiveRoute {
  dst: string;
  dev?: string;
  gateway?: string;
  protocol?: string;
  table?: string;
  type?: string;
}

/**
 * A host route to a destination the host already routes would replace the host's own route on
 * `up` and delete it on `down`: refused, unless the lab says `replace: true` (then `down` puts it back).
 */
function hostRouteClashes(lab: Lab, live: LiveRoute[], at: (key: KeyPath, message: string, hint?: string) => void): void {
  const overrides = new Set(lab.host.replaceRoutes);
  lab.host.routes.forEach((line, i) => {
    if (overrides.has(line)) return;
    const want = routeKey(line);
    if (!want) return;
    const hit = live.find((r) => {
      const k = routeKey(`${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}`);
      return k && k.dst === want.dst && normTable(r.table ?? "main") === want.table && (r.type ?? "unicast") !== "local" && (r.type ?? "unicast") !== "broadcast";
    });
    if (hit) {
      const text = `${hit.dst}${hit.gateway ? ` via ${hit.gateway}` : ""}${hit.dev ? ` dev ${hit.dev}` : ""}${want.table !== "main" ? ` table ${want.table}` : ""}`;
      at(lab.host.routePaths[i] ?? ["host", "routes", i], `the host already has a route to ${want.dst} (${text}); up would replace it and down would delete it`, `leave it out, or write it as { to: ..., via: ..., replace: true } to override it while the lab is up (down puts the host's route back)`);
    }
  });
}

/** Whether something is at `path` (lstat: a dangling link counts). */
export const present = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

type At = (key: KeyPath, message: string, hint?: string) => void;

/**
 * A host port another lab already publishes in this same host namespace (read from the labs'
 * states): `up` and `apply` refuse it with the key of the publish that clashes. `here`: the
 * host namespace's id (apply passes the lab's recorded host, wherever apply itself runs).
 */
export function publishClashes(lab: Lab, at: At, here = netnsId()): void {
  if (lab.isolated) return;
  for (const other of labsWithState()) {
    if (other === lab.name) continue;
    const meta = new LabState(other).readMeta();
    if (!meta || meta.lab.isolated || meta.host.id !== here) continue;
    for (const on of meta.lab.nodes)
      for (const theirs of on.publish ?? [])
        lab.nodes.forEach((n) =>
          n.publish.forEach((p, i) => {
            if (samePublishedPort(p, theirs))
              at(["nodes", n.name, "publish", i], `host port ${p.hostPort}/${p.proto} is already published by lab ${other} (${on.name}: "${theirs.spec}")`, `netlab down ${other}, or pick another host port`);
          }),
        );
  }
}

/** Checks that need the live system. `source` gives positions for errors in the lab file. */
/** Runs where `up` runs: that namespace is the lab's host. */
/** ip netns exec can only mount a node's files over what /etc already has, a file over a file and a directory over a directory: EnvError (exit 3) where not. */
export function filesMountable(nodes: { name: string; files: Record<string, string> }[]): void {
  for (const n of nodes)
    for (const p of Object.keys(n.files)) {
      const top = p.split("/").slice(0, 3).join("/");
      if (!existsSync(top))
        throw new EnvError(`${top} does not exist on this machine, so ${n.name}'s ${p} cannot be mounted there`, `install the program that uses it (its package makes ${top}), or put the file elsewhere under /etc`);
      if (statSync(top).isDirectory() !== (p !== top))
        throw new EnvError(`${top} is a ${p !== top ? "file" : "directory"} on this machine, so ${n.name}'s ${p} cannot be mounted there`, `ip netns exec mounts a file over a file and a directory over a directory: put the file elsewhere under /etc`);
    }
}

export async function preflight(lab: Lab, plan: Plan, source: LabSource | null): Promise<void> {
  requireTools(toolsFor(plan));
  outerMountWrap(); // where the namespaces' mounts will live; throws when nowhere outlives us
  // Two names can share a hashed kernel prefix (namespaces, NL-<prefix>-* chains): never both up.
  const twin = labsWithState().find((other) => other !== lab.name && kernelLab(other) === kernelLab(lab.name));
  if (twin) throw new EnvError(`lab ${lab.name} would use the kernel prefix ${kernelLab(lab.name)}, which lab ${twin} (up) uses too`, `take ${twin} down first, or rename one of them`);
  const problems: Problem[] = [];
  const at = (key: KeyPath, message: string, hint?: string) =>
    problems.push(source?.problem(key, message, hint) ?? { loc: { file: lab.file, line: 1, column: 1 }, key, message, hint });

  const namespaces = [...(lab.hostNs ? [lab.hostNs] : []), ...lab.nodes.map((n) => n.ns)];
  const listed = netnsNames();
  const taken = namespaces.filter((ns) => listed.has(ns));
  if (taken.length) {
    throw new EnvError(
      `network namespace${taken.length > 1 ? "s" : ""} ${taken.slice(0, 5).join(", ")}${taken.length > 5 ? ", …" : ""} already exist${taken.length > 1 ? "" : "s"}, and lab ${lab.name} has no record of making ${taken.length > 1 ? "them" : "it"}`,
      `another tool or an old run made ${taken.length > 1 ? "them" : "it"}; check with ip netns list, and remove with ip netns delete NAME if it is stale`,
    );
  }
  // Kinds the kernel lacks: named with their module, before anything is made.
  const missing = await missingFeatures(lab.networks.map((n) => n.kind));
  if (missing.length) {
    const m = missing[0];
    const nets = lab.networks.filter((n) => n.kind === m.feature).map((n) => n.name);
    throw new EnvError(
      `this kernel cannot make ${m.feature} devices (module ${m.module}), which network${nets.length > 1 ? "s" : ""} ${nets.join(", ")} of lab ${lab.name} need${nets.length > 1 ? "" : "s"}`,
      `load it (modprobe ${m.module}) or use a kernel built with it — the stock Debian and Ubuntu kernels have it; netlab validate and --dry-run work without it`,
    );
  }
  await impairmentsPossible(lab);
  await policiesPossible(lab);
  // A sysctl this kernel does not have (a typo, or a newer kernel's): said now, not half-way through up.
  const unknown = (values: Record<string, string>, key: KeyPath) =>
    Object.keys(values).filter((k) => !existsSync(settingFile(k))).forEach((k) => at([...key, k], `this kernel has no setting ${k}`, `check the name: ls ${dirname(settingFile(k))} lists those it has`));
  lab.nodes.forEach((n) => unknown(n.sysctls, ["nodes", n.name, "sysctls"]));
  unknown(lab.host.sysctls, ["host", "sysctls"]);
  if (problems.length) throw new LabError(problems);
  filesMountable([...lab.nodes, ...(lab.hostNs ? [{ name: "host", files: lab.host.files }] : [])]);
  // Every namespace's entry, the isolated host's too; lstat, so that a dangling link counts.
  const etc = namespaces.map((ns) => `${NETNS_ETC}/${ns}`).filter(present);
  if (etc.length) throw new EnvError(`${etc[0]} already exists and lab ${lab.name} did not make it`, `netlab will neither use nor remove it; remove it yourself if it is stale: rm -r ${etc[0]}`);
  if (lab.isolated) return;

  publishClashes(lab, at);

  // Host namespace: names and routes.
  const [links, all4, all6, addrs] = await Promise.all([
    run(["ip", "-j", "link", "show"]),
    run(["ip", "-j", "-4", "route", "show", "table", "all"]),
    run(["ip", "-j", "-6", "route", "show", "table", "all"]),
    run(["ip", "-j", "address", "show"]),
  ]);
  const allRoutes = [...safeJson<LiveRoute[]>(all4.stdout), ...safeJson<LiveRoute[]>(all6.stdout)];
  const mainRoutes = allRoutes.filter((r) => (r.table ?? "main") === "main");
  hostRouteClashes(lab, allRoutes, at);
  const names = linkNames(links.stdout);
  // A host sysctl of an interface neither the host has nor the lab makes would fail half-way through up.
  const made = new Set(plan.phases.flatMap((p) => p.steps.flatMap((s) => s.ops.flatMap((o) => (o.op === "ip" && o.ns === null ? [...madeBy(o.lines)] : [])))));
  for (const k of Object.keys(lab.host.sysctls)) {
    const dev = sysctlDevice(k);
    if (dev !== undefined && !["all", "default", "lo"].includes(dev) && !names.has(dev) && !made.has(dev))
      at(["host", "sysctls", k], `the host has no interface "${dev}", and lab ${lab.name} makes none of that name`, "see ip link show for the host's interfaces");
  }
  for (const net of lab.networks.filter((n) => !n.holder))
    if (names.has(net.bridge)) at(net.path, `an interface named ${net.bridge} already exists in the host namespace`, `is lab ${lab.name} already up elsewhere? (netlab status) Otherwise rename the network`);
  lab.nodes.forEach((n) =>
    n.intfs.forEach((i) => {
      if ((i.kind === "bridge" || i.kind === "vxlan") && i.peer.node === null && names.has(i.peer.name))
        at(["nodes", n.name], `the host-side interface ${i.peer.name} for ${n.name}:${i.name} already exists`, "is this lab already up from another file? (netlab status)");
    }),
  );
  lab.host.intfs.forEach((i) => {
    if (names.has(i.name)) at(["links", i.kind === "veth" ? i.link : 0], `an interface named ${i.name} already exists in the host namespace`, "choose another name for the host end of this link");
  });

  // A lab subnet over an existing route would cut the host off from whatever that route reaches.
  const live = livePrefixesFrom(mainRoutes, safeJson(addrs.stdout));
  const ours: { p: Prefix; key: KeyPath }[] = [];
  // Only networks whose bridge has an address in the host route anything there.
  for (const n of lab.networks.filter((x) => !x.holder)) {
    if (n.subnet && n.gateway) ours.push({ p: parsePrefix(n.subnet)!, key: [...n.path, "subnet"] });
    if (n.subnet6 && n.gateway6) ours.push({ p: parsePrefix(n.subnet6)!, key: [...n.path, "subnet6"] });
  }
  for (const i of lab.host.intfs) for (const a of i.addrs) ours.push({ p: prefixOf(parseIfAddr(a)!), key: ["links", i.kind === "veth" ? i.link : 0] });
  for (const o of ours) {
    const hit = live.find((l) => overlaps(l.p, o.p));
    if (hit) at(o.key, `${formatPrefix(o.p)} overlaps ${hit.text} already in the host namespace`, `bringing the lab up would cut the host off from ${formatPrefix(hit.p)}; choose another subnet (or set isolated: true)`);
  }
  if (problems.length) throw new LabError(problems);
}

/** Every interface name and altname in `ip -j link show`'s output. */
export function linkNames(json: string): Set<string> {
  return new Set(safeJson<{ ifname: string; altnames?: string[] }[]>(json).flatMap((l) => [l.ifname, ...(l.altnames ?? [])]));
}

function safeJson<T>(s: string): T {
  try {
    return (JSON.parse(s || "[]") as T) ?? ([] as T);
  } catch {
    return [] as T;
  }
}

/** Delay, jitter and loss need sch_netem; a rate alone is shaped by tbf. Refused before anything is made. */
export async function impairmentsPossible(lab: Lab): Promise<void> {
  const where = [
    ...lab.links.filter((l) => l.netem).map((l) => ({ what: `links[${l.index}].netem`, n: l.netem! })),
    ...lab.networks.filter((n) => n.netem).map((n) => ({ what: `networks.${n.name}.netem`, n: n.netem! })),
  ];
  if (!where.length) return;
  const qdisc = (n: Netem) => (needsNetem(n) ? "netem" : "tbf");
  const missing = await missingFeatures(where.map((w) => qdisc(w.n)));
  if (!missing.length) return;
  const m = missing[0];
  const users = where.filter((w) => qdisc(w.n) === m.feature);
  throw new EnvError(
    `this kernel has no ${m.feature} queueing discipline (module ${m.module}), which ${users.map((u) => `${u.what} (${describeNetem(u.n)})`).join(", ")} of lab ${lab.name} need${users.length > 1 ? "" : "s"}`,
    m.feature === "netem"
      ? `load it (modprobe sch_netem: Debian's standard kernel has it, Ubuntu's is in linux-modules-extra-$(uname -r)), or keep only rate:, which tbf shapes on any kernel; netlab validate and --dry-run work without it`
      : `load it (modprobe ${m.module}) or use a kernel built with it`,
  );
}

/**
 * A NetworkPolicy port of protocol SCTP needs iptables' sctp match (xt_sctp): refused up front,
 * named with its module, where the kernel lacks it (up and apply; EnvError, exit 3).
 */
export async function policiesPossible(lab: Lab): Promise<void> {
  const sctp = (lab.kube?.policies ?? []).filter((p) => [...p.ingress, ...p.egress].some((r) => r.ports?.some((x) => x.protocol === "SCTP")));
  if (!sctp.length || !(await missingFeatures(["sctp"])).length) return;
  throw new EnvError(`this kernel has no sctp match for iptables (module xt_sctp), which NetworkPolicy ${sctp.map((p) => `${p.ns}/${p.name}`).join(", ")} needs for its SCTP port`, "load it (modprobe xt_sctp) or use a kernel built with it, or leave SCTP out of the policy");
}
