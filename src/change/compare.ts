// apply's comparison: the plan of the lab as it is up and the plan of the new file, step by step
// (steps have stable ids: host-iptables, node:<name>…), op by op through their rendered
// commands; nodes the edit adds or drops are made or removed whole (members.ts) and left out of
// the comparison. What this version changes in place is what rulesets hold — firewalls, published
// ports, NAT and isolation rules — in the host (a sync: the lab's chains rewritten, the ones no
// longer wanted removed, its jumps kept) and in nodes (their own tables reloaded), links'
// impairments, a node's addresses, routes and ip rules, its run: services (restarted), the name
// files, and the names the lab's DNS servers give (they reload). Anything else is refused first.
import { LabError, UsageError, type Problem } from "../errors.js";
import { labHash, planFor } from "../api.js";
import { sourceOf } from "../lab/load.js";
import { dnsNetworks, networkMembers, type Lab } from "../lab/model.js";
import { labEdits } from "../lab/diff.js";
import { dnsHolders } from "../dns/servers.js";
import { clusterRecords } from "../kube/dns.js";
import { conntrackOnApply } from "../plan/features/conntrack.js";
import { staleUdpFlows } from "../plan/features/kube-conntrack.js";
import type { Op, Plan, Step } from "../plan/ops.js";
import { replacingTables, tablesIn } from "../runtime/iptables-live.js";
import { publishClashes } from "../runtime/preflight.js";
import { renderOp } from "../runtime/ops/index.js";
import type { LabState, Meta } from "../state/store.js";
import { timing } from "../runtime/timing.js";
import { dryRunSync, hostSysctls, impairments, MUTABLE, nameFiles, readdress, restart, type Change } from "./in-place.js";
import { additions, membership, ownedBy, removals, type Membership } from "./members.js";
import { networkMembership, networkOps, type NetMembership } from "./networks.js";
import { aboutIface, joinCables, moves, type Moves } from "./joins.js";
import { readPlan } from "../state/plan-cache.js";
import { HAIRPIN, hairpins } from "./hairpins.js";
import { changedSets, staleSets } from "./ipsets.js";
import { changedChains, differingTables } from "./chains.js";
import { jsonEqual } from "./equal.js";

export type { Change } from "./in-place.js";

export interface Comparison {
  outcome: "unchanged" | "changed";
  /** Titles of what changes. */
  changed: string[];
  changes: Change[];
  newPlan: Plan | null;
  /** The DNS server reads its records again (names now mean other addresses, or new nodes have them). */
  reload: boolean;
  script: string;
}

const RULE_OPS: ReadonlySet<Op["op"]> = new Set(["iptables", "ipset"]);
// Rendered once per op: a 500-pod node's ipsets are tens of thousands of lines, compared more than once.
const rendered = new WeakMap<Op, string>();
const render = (o: Op) => rendered.get(o) ?? rendered.set(o, renderOp(o)).get(o)!;
const text = (ops: Op[]) => ops.map(render).join("\n");
const plural = (names: string[]) => `${names.length === 1 ? "node" : "nodes"} ${names.join(", ")}`;

/**
 * A plan's steps by id, without what belongs to the nodes that come or go: their namespaces
 * (the namespace steps merged into one), their cables and bridge ports (the host's batch and the
 * batches of the nodes that hold their bridges are recorded by object), their own steps.
 */
function stepsOf(p: Plan, moving: Set<string>, spaces: Set<string>): Map<string, Step> {
  const out = new Map<string, Step>();
  const netns: Step[] = [];
  for (const s of p.phases.flatMap((ph) => ph.steps)) {
    if (ownedBy(s.id, moving)) continue;
    if (/^netns(:\d+)?$/.test(s.id)) netns.push(s);
    else if (s.parts && s.ops[0]?.op === "ip") {
      // A port's hairpin comes and goes with publishing: compared apart (hairpins()).
      const lines = s.parts.filter((x) => !ownedBy(x.id, moving)).flatMap((x) => x.lines).filter((l) => !HAIRPIN.test(l));
      // The undo of what comes and goes (a network's bridge) is theirs too.
      const theirs = new Set(s.parts.filter((x) => ownedBy(x.id, moving)).flatMap((x) => x.undo ?? []));
      const undo = s.undo.map((o) => (o.op === "ip" ? { ...o, lines: o.lines.filter((l) => !theirs.has(l)) } : o)).filter((o) => o.op !== "ip" || o.lines.length);
      // A batch left with nothing (a lab whose only host lines are a link's that comes or goes) is no step.
      if (!lines.length && s.ops.length === 1 && !undo.length) continue;
      out.set(s.id, { ...s, ops: [{ ...s.ops[0], lines }, ...s.ops.slice(1)], undo });
    } else out.set(s.id, s);
  }
  // Which batch a namespace is made in depends on the lab's size: compared as one list.
  const keep = (l: string) => !spaces.has(l.split(" ").pop()!);
  const names = netns.flatMap((s) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines : []))).filter(keep);
  if (netns.length) out.set("netns", { id: "netns", title: netns[0].title, ops: [{ op: "ip", ns: null, lines: names }], undo: [] });
  return out;
}

/** The difference between the lab as it is up (`meta`) and `lab`, as changes to make; refused when one cannot be made in place. */
export function compare(lab: Lab, meta: Meta, state: LabState, pending: Lab[]): Comparison {
  // Unchanged costs a hash, not a plan: a 1,000-node lab says so at once.
  if (labHash(lab) === meta.hash && !pending.length) return { outcome: "unchanged", changed: [], changes: [], newPlan: null, reload: false, script: "" };
  // A host port another lab publishes here: refused as up refuses it, with the key that clashes.
  const problems: Problem[] = [];
  publishClashes(lab, (key, message, hint) => problems.push(sourceOf(lab)?.problem(key, message, hint) ?? { loc: { file: lab.file, line: 1, column: 1 }, key, message, hint }), meta.host.id);
  if (problems.length) throw new LabError(problems);
  const newPlan = planFor(lab, state);
  timing("new version planned");
  // The version up as it was made (recorded then), else compiled again.
  const cached = readPlan(state, meta.hash);
  const oldPlan = cached ?? planFor(meta.lab, state);
  // Compiled again (another build of netlab made the lab): what is in the kernel may differ from it, so a node's rules change whole.
  const exact = cached !== null;
  timing("both versions planned");
  const m = membership(meta.lab, lab, pending);
  const nm = networkMembership(meta.lab, lab, pending);
  const mv = moves(meta.lab, lab, pending, m);
  const moving = new Set([...m.added.map((n) => n.name), ...m.removed.map((r) => r.name), ...[...nm.added, ...nm.removed].map((n) => `network:${n.name}`), ...mv.parts]);
  const spaces = new Set([...m.added.map((n) => n.ns), ...m.removed.map((r) => r.ns)]);
  const steps = (p: Plan) => stepsOf(p, moving, spaces);
  const [was, will] = [steps(oldPlan), steps(newPlan)];
  // After an unfinished apply, a step may be as any of those versions has it: one that differs
  // from the new version in any is redone (every change here converges, whatever it starts from).
  const pendingPlans = pending.map((p) => planFor(p, state));
  const halves = pendingPlans.map(steps);
  // Equal ops render equally: equal data, much cheaper than rendering, decides for the steps that did not change.
  // A node's step is not rendered (its rules are megabytes in a big cluster): change() compares it as text, and changes nothing where nothing differs.
  const same = (x?: Step, y?: Step) => (!x && !y) || (!!x && !!y && ((jsonEqual(x.ops, y.ops) && jsonEqual(x.undo, y.undo)) || (!x.id.startsWith("node:") && text(x.ops) === text(y.ops) && text(x.undo) === text(y.undo))));
  const changes: Change[] = [];
  // A sysctl a node no longer sets: netlab does not know the value it had before netlab set it.
  const before = new Map(meta.lab.nodes.map((n) => [n.name, n.sysctls]));
  const unset = lab.nodes.flatMap((n) => Object.keys(before.get(n.name) ?? {}).filter((k) => !(k in n.sysctls)).map((k) => `node ${n.name}'s sysctl ${k} (no longer set: netlab does not know the value it had before, so only down and up can give it back)`));
  const upfront = [...m.refused, ...nm.refused, ...mv.refused, ...unset];
  const refused: string[] = [...upfront];
  const early = refused.length > 0;
  const execs: string[] = [];
  for (const id of new Set([...will.keys(), ...was.keys(), ...halves.flatMap((h) => [...h.keys()])])) {
    const b = will.get(id);
    const olds = [was.get(id), ...halves.map((h) => h.get(id))];
    // A node whose link's far end is made again has its end set up again, its step unchanged.
    if (olds.every((o) => same(o, b)) && !(id.startsWith("node:") && mv.joins.has(id.slice(5)))) continue;
    const c = change(id, olds, b, [meta.lab, ...pending], lab, mv, exact);
    if (c === EXEC_RULES) execs.push(`node ${id.slice("node:".length)}'s rules (its exec: commands may have added rules that reloading its tables would lose)`);
    else if (c) changes.push(c);
    else if (!early) refused.push((b ?? olds.find(Boolean))!.title);
  }
  const hairpin = hairpins([oldPlan, ...pendingPlans], newPlan, moving);
  if (hairpin) changes.push(hairpin);
  // Names that now mean other addresses: the DNS server reads its records again, where it
  // listens stays (a server that starts now reads them at start); hosts files are name files.
  // What hostsEntries gives every node, in O(nodes × networks): each dns network's members, and
  // each node's dns networks, first address (its name where it has none) and hosts: entries; records:.
  const names = (l: Lab) =>
    JSON.stringify([l.networks.filter((n) => n.dns).map((n) => [n.name, n.nat, networkMembers(l, n.name)]), l.nodes.map((n) => [n.name, dnsNetworks(l, n), n.intfs.flatMap((i) => i.addrs)[0], n.extraHosts, n.upstreams]), l.records ?? [], l.kube ? clusterRecords(l.kube).records : []]);
  // After an unfinished apply the servers may have read any version: they read this one.
  const reload = (names(meta.lab) !== names(lab) || pending.length > 0) && dnsHolders(meta.lab).length > 0;
  // A server that runs on listens where it listened (a new one starts; one no longer needed serves on until down).
  if (refused.length || execs.length) {
    // Nodes that come and go are not what is refused (unless they are): named by what else differs.
    const edits = labEdits(meta.lab, lab).filter((e) => !/^nodes (added|removed): /.test(e));
    const what = [...(early ? upfront : edits), ...execs];
    throw new UsageError(
      `netlab apply cannot yet make this edit while the lab is up; it changes:\n${(what.length ? what : refused).map((w) => `  - ${w}`).join("\n")}\n(apply adds and removes nodes on bridges and bridges of the lab's host, joins nodes to them and takes them off, makes and deletes links, restarts run: services, and changes rules, firewalls, published ports, impairments, a node's addresses, routes, sysctls and files, and the lab's names)`,
      `sudo netlab down ${lab.name} && sudo netlab up${lab.isolated ? " --isolated" : ""} ${lab.file}`,
    );
  }
  const add = additions(m, newPlan);
  // A join an unfinished apply may have begun: its interface deleted first, whatever of it exists.
  const again: Op[] = pending.length ? [...mv.joins].map(([n, ifaces]) => ({ op: "ip", ns: lab.nodes.find((x) => x.name === n)!.ns, force: true, lines: ifaces.map((i) => `link delete ${i}`) })) : [];
  add.cables.push(...again, ...joinCables(mv, newPlan));
  // The host ends of the join cables must be free, as an added node's (not after an unfinished apply: deleted first).
  const joinEnds = lab.nodes.flatMap((n) => n.intfs.flatMap((i) => (i.kind === "bridge" && i.peer.node === null && mv.joins.get(n.name)?.includes(i.name) ? [i.peer.name] : [])));
  const ends = pending.length ? [] : [...joinEnds, ...mv.hostEnds];
  const ordered = order(m, add, changes, nm, networkOps(nm, newPlan, lab.hostNs), [...mv.joins.keys()], ends).filter((c) => c.ops.length || c.undo.length);
  timing("steps compared");
  const reloads = reload ? [`# then: the lab's DNS server${dnsHolders(lab).length > 1 ? "s read" : " reads"} the new names (netlab sends SIGHUP to netlab dns-server ${lab.name} once lab.json is written)`] : [];
  const script = [...ordered.map((c) => `# change: ${c.title}\n${c.id === "host-iptables" ? dryRunSync(c, was.get(c.id)) : text(c.ops)}`), ...reloads].join("\n");
  const named = reload ? ["the names the lab's DNS servers give (read again)"] : [];
  return { outcome: ordered.length || reload ? "changed" : "unchanged", changed: [...ordered.map((c) => c.title), ...named], changes: ordered, newPlan, reload, script };
}

/**
 * The changes in order: nodes removed (their cables' host ends waited for), namespaces, cables
 * and own steps of added nodes; then the rest (the host's rules, other nodes, the name files);
 * then exec: and run: (their name files are in place by then).
 */
function order(m: Membership, add: ReturnType<typeof additions>, rest: Change[], nm: NetMembership, nets: ReturnType<typeof networkOps>, joining: string[], ends: string[]): Change[] {
  const out: Change[] = [];
  const asChange = (s: Step): Change => ({ id: s.id, title: s.title, ops: s.ops, undo: s.undo, holds: s.undo });
  const gone = removals(m);
  const again = m.removed.filter((r) => m.added.some((n) => n.name === r.name)).map((r) => r.name);
  const only = m.removed.filter((r) => !again.includes(r.name)).map((r) => r.name);
  const title = [...(only.length ? [`remove ${plural(only)}`] : []), ...(again.length ? [`clear ${plural(again)} to make again`] : [])].join("; ");
  if (gone.length) out.push({ id: "remove-nodes", title, ops: gone, undo: [], holds: [], gone: m.removed.flatMap((r) => r.ends), retire: m.removed.map((r) => r.name) });
  const named = (ns: { name: string }[]) => `${ns.length === 1 ? "network" : "networks"} ${ns.map((n) => n.name).join(", ")}`;
  if (nets.drop.length) out.push({ id: "remove-networks", title: `remove ${named(nm.removed)}`, ops: nets.drop, undo: [], holds: [] });
  // Bridges new to the lab's host: not one a network removed just before had (a rename, or an unfinished apply's).
  const fresh = nm.added.filter((n) => !nm.removed.some((r) => r.bridge === n.bridge)).map((n) => n.bridge);
  if (nets.make.length) out.push({ id: "add-networks", title: `make ${named(nm.added)}`, ops: nets.make, undo: nets.undo, holds: [], makes: fresh });
  const who = plural(m.added.map((n) => n.name));
  if (add.create.length) out.push({ id: `netns:+${m.added.map((n) => n.name).join(",")}`, title: `create the namespaces of ${who}`, ops: add.create, undo: add.undo, holds: [], spaces: m.added.map((n) => n.ns) });
  if (add.cables.length) out.push({ id: "host-links", title: `cables of ${plural([...m.added.map((n) => n.name), ...joining])}`, ops: add.cables, undo: [], holds: [], ...(ends.length ? { makes: ends } : {}) });
  const late = (id: string) => /^(exec|run):/.test(id);
  out.push(...add.steps.filter((s) => !late(s.id)).map(asChange), ...rest.filter((c) => !late(c.id)));
  // Every service stopped before any starts: a command moved in the run: list may hold a port its new place needs.
  const runs = rest.filter((c) => late(c.id));
  const stops = runs.flatMap((c) => c.ops.filter((o) => o.op === "stop"));
  const logs = runs.flatMap((c) => c.logs ?? []);
  if (stops.length) out.push({ id: "stop-runs", title: `stop ${stops.length === 1 ? "a service" : "services"} whose command changed or went`, ops: stops, undo: [], holds: [], ...(logs.length ? { logs } : {}) });
  const starts = runs.map((c) => ({ ...c, ops: c.ops.filter((o) => o.op !== "stop"), logs: undefined }));
  return [...out, ...starts, ...add.steps.filter((s) => late(s.id)).map(asChange)];
}

const EXEC_RULES = "exec"; // change()'s answer for a node whose rules differ and whose exec: commands may have added rules

/**
 * How step `id` goes from whichever of `olds` is live (the version up, then any an unfinished
 * apply began; undefined where a version has no such step) to `b`, or null where it cannot in
 * place. The host's rules: the new ruleset synced, families and chains no version wants removed
 * (a new step journals its undo). A node: only its rules may differ; its own tables (those any
 * version loads) are emptied and loaded again — the namespace is netlab's, everything in it the lab's.
 */
function change(id: string, olds: (Step | undefined)[], b: Step | undefined, labs: Lab[], now: Lab, mv: Moves, exact = true): Change | null | typeof EXEC_RULES {
  const present = olds.filter((o): o is Step => !!o);
  const rulesOnly = (s?: Step) => !s || s.ops.every((o) => RULE_OPS.has(o.op) || o.op === "conntrack");
  const ipt = (s?: Step) => (s?.ops ?? []).filter((o): o is Extract<Op, { op: "iptables" }> => o.op === "iptables");
  if (id === "host-iptables" && present.every(rulesOnly) && rulesOnly(b)) {
    // Flows are forgotten only where the translation changed: ports published anew (UDP), or no more; NAT gone.
    const ns = [b, ...present].flatMap(ipt)[0]?.ns ?? null;
    const forget = conntrackOnApply(labs, now, null, ns);
    // A family whose rules the new version drops altogether (no more IPv6, no more host rules —
    // an isolated lab's host journals no undo, so the cleanup is made here): removed as down would.
    const keep = new Set(ipt(b).filter((o) => o.owner).map((o) => o.family));
    const dropped = [...new Set(present.flatMap(ipt).filter((o) => o.owner && !keep.has(o.family)).map((o) => o.family))];
    const clean = dropped.map((family): Op => ({ op: "iptables-clean", ns, family, lab: now.name }));
    const ops = [...(b?.ops.filter((o) => o.op !== "conntrack") ?? []), ...clean, ...(forget ? [forget] : [])];
    // down runs every undo journaled: the old one and, where it grew (a new published port's flows), the new.
    const undo = !b || (olds[0] && text(olds[0].undo) === text(b.undo)) ? [] : b.undo;
    return { id, title: (b ?? present[0]).title, ops, undo, holds: b?.undo ?? [] };
  }
  if (id === "etc-netns" && b) return nameFiles(present, b);
  if (id === "host-sysctls") return hostSysctls(present, b, olds[0], now);
  // The lab's DNS server where there was none: started (one no longer needed serves on until down).
  if (id.startsWith("run:_dns")) return { id, title: b?.title ?? "", ops: b && !present.length ? b.ops : [], undo: [], holds: [] };
  if (id.startsWith("run:")) return { id, undo: [], holds: [], ...restart(present, b) };
  if (!id.startsWith("node:") || !b || present.length !== olds.length) return null;
  // What may differ: its rules, its links' impairments (root qdiscs, replaced in place), its
  // addresses, routes and ip rules (deleted and added in place), the sysctls netlab sets for
  // it (forwarding, route_localnet: set) and its own (set); nothing else.
  const live = (o: Op) => RULE_OPS.has(o.op) || o.op === "tc" || o.op === "sysctl";
  // Interfaces it gains or loses (a network joined or left) are set up or deleted here, their cables made with the others.
  const [joins, leaves] = [mv.joins.get(id.slice(5)) ?? [], mv.leaves.get(id.slice(5)) ?? []];
  const about = aboutIface([...joins, ...leaves]);
  const bare = (o: Op): Op => (o.op === "ip" ? { op: "ip", ns: o.ns, lines: o.lines.filter((l) => !MUTABLE.test(l) && !about(l)), ...(o.force ? { force: o.force } : {}) } : o);
  const rest = (s: Step) => text(s.ops.filter((o) => !live(o)).map(bare));
  if (present.some((a) => rest(a) !== rest(b) || text(a.undo) !== text(b.undo))) return null;
  const only = (s: Step, pick: (o: Op) => boolean) => text(s.ops.filter(pick));
  // Equal data render equally: only ops whose data differ are rendered to tell.
  const differ = (pick: (o: Op) => boolean) => present.some((a) => !jsonEqual(a.ops.filter(pick), b.ops.filter(pick)) && only(a, pick) !== only(b, pick));
  const qdiscs = differ((o) => o.op === "tc") || joins.length ? impairments(present, b, leaves) : [];
  // Its own sysctls (sysctls:) set anew; one it no longer sets is refused: the value it had before is not known.
  const own = (s: Step) => s.ops.filter((o) => o.op === "sysctl");
  const keys = (s: Step) => own(s).flatMap((o) => (o.op === "sysctl" ? Object.keys(o.values) : []));
  if (present.some((a) => keys(a).some((k) => !keys(b).includes(k)))) return null;
  // Also where an interface is made again (a link's): its own sysctls (rp_filter of eth1) anew.
  const tuned = differ((o) => o.op === "sysctl") || joins.length ? own(b) : [];
  const lines = (s: Step) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines : [])).join("\n");
  const addressing = present.some((a) => lines(a) !== lines(b)) ? readdress(present, b, leaves) : [];
  const sysOf = (s: Step) => s.ops.find((o): o is Extract<Op, { op: "ip" }> => o.op === "ip" && !!o.sysctls)?.sysctls;
  const want = sysOf(b);
  const sysctls = want && (joins.length || present.some((a) => JSON.stringify(sysOf(a)) !== JSON.stringify(want))) ? [{ op: "sysctl", ns: b.ops[0].op === "ip" ? b.ops[0].ns : null, values: want } as Op] : [];
  const nodeNs = b.ops[0].op === "ip" ? b.ops[0].ns : null;
  // Its new interfaces set up, and addressed where readdress does not (its far end made again).
  const upLines = b.ops.flatMap((o) => (o.op === "ip" ? o.lines : [])).filter((l) => aboutIface(joins)(l) && (addressing.length ? !MUTABLE.test(l) : !/^(-6 )?rule /.test(l))).map((l) => l.replace(/^((?:-6 )?address) add /, "$1 replace "));
  // Deleted here unless it went with its link's other end (the dry run's script runs as printed).
  const deleted = leaves.filter((i) => mv.deletes.has(`${id.slice(5)}:${i}`));
  const legs: Op[] = [...(deleted.length ? [{ op: "ip", ns: nodeNs, force: true, lines: deleted.map((i) => `link delete ${i}`) } as Op] : []), ...(upLines.length ? [{ op: "ip", ns: nodeNs, lines: upLines } as Op] : [])];
  if (!differ((o) => RULE_OPS.has(o.op))) return { id, title: b.title, ops: [...legs, ...sysctls, ...tuned, ...addressing, ...qdiscs], undo: [], holds: [] };
  // Its tables are emptied and loaded again: rules its exec: commands added would be lost.
  if (now.nodes.find((n) => `node:${n.name}` === id)?.exec.length) return EXEC_RULES;
  const ns = [...present, b].flatMap(ipt)[0];
  // Each family's tables replaced in one restore (atomic per table), only those whose rules differ
  // (a policy changes filter; kube-proxy's nat stays as it is): its rules never missing a moment.
  const replaced = ([4, 6] as const).flatMap((family) => {
    const mine = (s: Step) => ipt(s).filter((o) => o.family === family && o.ns === ns?.ns);
    const tables = [...new Set([...present, b].flatMap((s) => ipt(s).filter((o) => o.family === family)).flatMap((o) => tablesIn(o.text)))];
    // Emptied, not opened: a firewall's DROP policies stay until the new rules set theirs, and
    // go back to ACCEPT only where the new version has no firewall in this family.
    const script = (s: Step) => replacingTables(tables, mine(s).map((o) => o.text), mine(s).flatMap((o) => o.jumps ?? []), !mine(s).some((o) => /^:INPUT /m.test(o.text)));
    // The entry jumps go in the same restore (the tables are emptied): a plain restore, no sync.
    // From the one version in the kernel, only the chains that changed; after an unfinished apply (any of several), whole tables.
    const [full, chains] = [script(b), exact && present.length === 1];
    const text = !exact ? full : chains ? changedChains(full, script(present[0])) : differingTables(full, present.map(script));
    // Where only changed chains are written, the whole tables if that fails (a chain they jump to removed by hand).
    return tables.length && ns ? [{ family, text, ...(chains ? { whole: full } : {}) }] : [];
  });
  const merged = replaced.filter((r) => r.text).map((r) => ({ op: "iptables", ns: ns!.ns, family: r.family, text: r.text, ...(r.whole ? { whole: r.whole } : {}) }) as Op);
  const loads = b.ops.filter((o) => RULE_OPS.has(o.op) && !(o.op === "iptables" && o.ns === ns?.ns && replaced.some((r) => r.family === o.family)));
  const rules = [...legs, ...sysctls, ...tuned, ...addressing, ...qdiscs, ...loads.flatMap((o) => (exact ? changedSets(o, present) : [o]))];
  if (!ns) return { id, title: b.title, ops: rules, undo: [], holds: [] };
  return { id, title: b.title, ops: [...rules, ...merged, ...staleSets(present, b), ...staleUdpFlows(labs, now, id.slice(5), nodeNs)], undo: [], holds: [] };
}
