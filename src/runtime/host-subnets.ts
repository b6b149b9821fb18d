// What the host namespace already reaches: the prefixes of its main routing table and of its
// addresses. A lab subnet over one of them would cut the host off (preflight refuses it); a
// Compose file's automatic subnets are chosen around them, as Docker picks a free address pool.
import type { ComposeOptions } from "../compose/env.js";
import { recordInputs, setInputs } from "../lab/inputs.js";
import { loadLab, sourceOf, type LoadOptions } from "../lab/load.js";
import type { Lab } from "../lab/model.js";
import { formatPrefix, overlaps, parseIfAddr, parsePrefix, prefixOf, type Prefix } from "../net/ip.js";
import { LabState } from "../state/store.js";
import { run } from "./proc.js";

export interface LivePrefix {
  p: Prefix;
  /** How the host has it, for messages: "172.18.0.0/16 dev br-x", "address 10.0.0.2/24 on eth0". */
  text: string;
}

type Route = { dst: string; dev?: string; gateway?: string; table?: string };
type Addr = { ifname: string; addr_info?: { local: string; prefixlen: number; scope: string }[] };

/** From `ip -j route` (main table) and `ip -j address` output, already parsed. */
export function livePrefixesFrom(mainRoutes: Route[], addrs: Addr[]): LivePrefix[] {
  const live: LivePrefix[] = [];
  for (const r of mainRoutes) {
    if (r.dst === "default" || r.dst.startsWith("fe80:") || r.dst.startsWith("ff00:") || r.dst.startsWith("multicast")) continue;
    const p = parsePrefix(r.dst.includes("/") ? r.dst : `${r.dst}/${r.dst.includes(":") ? 128 : 32}`, false);
    if (p) live.push({ p, text: `${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}${r.dev ? ` dev ${r.dev}` : ""}` });
  }
  for (const l of addrs)
    for (const a of l.addr_info ?? []) {
      if (a.scope === "host" || a.scope === "link") continue;
      const ia = parseIfAddr(`${a.local}/${a.prefixlen}`);
      if (ia) live.push({ p: prefixOf(ia), text: `address ${a.local}/${a.prefixlen} on ${l.ifname}` });
    }
  return live;
}

const json = <T>(s: string): T[] => {
  try {
    return (JSON.parse(s || "[]") as T[]) ?? [];
  } catch {
    return [];
  }
};

/** The host namespace's live prefixes (this namespace: netlab runs in the lab's host). */
export async function livePrefixes(): Promise<LivePrefix[]> {
  const [r4, r6, a] = await Promise.all([run(["ip", "-j", "-4", "route", "show"]), run(["ip", "-j", "-6", "route", "show"]), run(["ip", "-j", "address", "show"])]);
  return livePrefixesFrom([...json<Route>(r4.stdout), ...json<Route>(r6.stdout)], json<Addr>(a.stdout));
}

/**
 * A lab for `up`. A Compose file's automatic subnets skip what the host already routes — another
 * lab's bridges, docker0, the LAN — but not this lab's own (it may be up already: the same
 * subnets again, so `up` finds it unchanged).
 */
export async function loadForHost(ref: string, isolated: boolean | undefined, compose: ComposeOptions | undefined, previous?: Lab, more: Pick<LoadOptions, "kube" | "text" | "files"> = {}): Promise<Lab> {
  const { value: lab, inputs } = recordInputs(() => loadLab(ref, { isolated, compose, previous, ...more }));
  // Texts given in place of the files', or subnets chosen around the host's routes: not the files' alone.
  if (more.text !== undefined || more.files || more.kube || (!lab.isolated && sourceOf(lab)?.isLowered)) inputs.opaque = true;
  setInputs(lab, inputs);
  if (lab.isolated || !sourceOf(lab)?.isLowered) return lab;
  const own = (new LabState(lab.name).readMeta()?.lab.networks ?? []).flatMap((n) => [n.subnet, n.subnet6]).filter((s): s is string => !!s).map((s) => parsePrefix(s, false)!);
  const live = (await livePrefixes()).filter((l) => !own.some((o) => overlaps(o, l.p)));
  const clash = lab.networks.some((n) => [n.subnet, n.subnet6].some((s) => s && live.some((l) => overlaps(l.p, parsePrefix(s, false)!))));
  if (!clash) return lab;
  const again = loadLab(ref, { isolated, compose: { ...compose, avoid: live.map((l) => formatPrefix(l.p)) }, previous, ...more });
  setInputs(again, inputs);
  return again;
}
