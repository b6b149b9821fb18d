// Lab → Plan. Pure: reads nothing from the system, so plans are golden-testable without
// root. Phases run in order; steps of a concurrent phase run at once. The kinds (kinds/) make
// the devices and cables, placed by plan/placement.ts; features (features/) add to each
// namespace's ruleset (ruleset.ts).
import type { Lab } from "../lab/model.js";
import { hostSteps } from "./host-steps.js";
import { flannelVxlan } from "./features/flannel.js";
import { wire } from "./kinds/index.js";
import { nameFilesStep } from "./name-files.js";
import { nodeStep } from "./node-steps.js";
import type { Op, Phase, Plan, Step } from "./ops.js";
import { nsOf, Wiring } from "./placement.js";
import { dnsHolders, dnsWho } from "../dns/servers.js";
import { flatName } from "../net/names.js";

/** From this many namespaces on, they are made by two processes at once. */
const NS_SPLIT = 128;

export interface CompileOptions {
  /** Where state, logs and pid files go: /run/netlab/<lab>. */
  stateDir: string;
  /** The host's /etc/resolv.conf, handed to nodes that reach the outside through NAT (as Docker does). */
  hostResolv?: string;
  /** Where nodes' hosts and resolv.conf files go (a tmpfs: see FILES_ROOT); else <stateDir>/etc. */
  filesDir?: string;
}

/** What removes namespaces netlab made: every process in them stopped, then the namespaces deleted (already gone is fine). */
export function namespacesUndo(names: string[]): Op[] {
  return [{ op: "kill-ns", names }, { op: "ip", ns: null, force: true, lines: names.map((n) => `netns delete ${n}`) }];
}

/** 1. Namespaces. Their undo stops every process inside before deleting them. Creating one is about a millisecond of kernel work that mostly takes no global lock: a big lab makes them in two batches at once, one per core of a small machine. */
function namespaces(lab: Lab): Phase {
  const all = [...(lab.hostNs ? [lab.hostNs] : []), ...lab.nodes.map((n) => n.ns)];
  const batches = all.length >= NS_SPLIT ? [all.slice(0, all.length >> 1), all.slice(all.length >> 1)] : all.length ? [all] : [];
  return {
    name: "namespaces",
    concurrent: batches.length > 1,
    steps: batches.map((names, k) => ({
      id: batches.length > 1 ? `netns:${k + 1}` : "netns",
      title: `create ${names.length} network namespace${names.length === 1 ? "" : "s"}`,
      ops: [{ op: "ip", ns: null, lines: names.map((n) => `netns add ${n}`) }],
      undo: namespacesUndo(names),
    })),
  };
}

/**
 * The lab's DNS servers (`netlab dns-server`, one in each namespace that holds networks with
 * names, stopped by pid on down), started with the lab's services; `up` returns once they listen.
 */
function dnsServerSteps(lab: Lab, opts: CompileOptions): Step[] {
  return dnsHolders(lab).map((holder) => {
    const cmd = `netlab dns-server ${lab.name}${holder === null ? "" : ` --in ${holder}`}`;
    const who = dnsWho(holder);
    return { id: `run:${who}:0`, title: `start the lab's DNS server${holder === null ? "" : ` in ${holder}`}: ${cmd}`, ops: [{ op: "spawn", ns: nsOf(lab, holder), cmd, who, log: `${opts.stateDir}/logs/${flatName(who)}-0.log` }], undo: [] };
  });
}

export function compile(lab: Lab, opts: CompileOptions): Plan {
  const w = new Wiring(lab);
  wire(w);
  flannelVxlan(w);
  // 2. The host: every device and cable (straight into their namespaces), routes, sysctls, rules.
  // 3. Inside every node, concurrently: one ip batch each, then sysctls and rules; the name files.
  const nodeSteps: Step[] = lab.nodes.map((node) => nodeStep(lab, node, w));
  const files = nameFilesStep(lab, opts);
  if (files) nodeSteps.push(files);
  // 4. exec: one at a time, host first, then nodes in declaration order.
  const execSteps: Step[] = [];
  lab.host.exec.forEach((cmd, i) => execSteps.push({ id: `exec:host:${i}`, title: `exec on host: ${cmd}`, ops: [{ op: "exec", ns: lab.hostNs, cmd, who: "host" }], undo: [] }));
  for (const node of lab.nodes)
    node.exec.forEach((cmd, i) => execSteps.push({ id: `exec:${node.name}:${i}`, title: `exec on ${node.name}: ${cmd}`, ops: [{ op: "exec", ns: node.ns, cmd, who: node.name }], undo: [] }));
  // 5. run: background processes, stopped by the namespace undo (kill-ns) on down.
  const runs = [{ name: "host", ns: lab.hostNs, run: lab.host.run }, ...lab.nodes];
  const runSteps: Step[] = runs.flatMap((node) =>
    node.run.map((cmd, i) => ({
      id: `run:${node.name}:${i}`,
      title: `start on ${node.name}: ${cmd}`,
      ops: [{ op: "spawn", ns: node.ns, cmd, who: node.name, log: `${opts.stateDir}/logs/${flatName(node.name)}-${i}.log` }],
      undo: [],
    })),
  );
  return {
    lab: lab.name,
    phases: [
      namespaces(lab),
      { name: "host", concurrent: false, steps: hostSteps(lab, w) },
      { name: "nodes", concurrent: true, steps: nodeSteps },
      { name: "exec", concurrent: false, steps: execSteps },
      { name: "run", concurrent: true, steps: [...dnsServerSteps(lab, opts), ...runSteps] },
    ],
  };
}
