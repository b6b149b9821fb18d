import type { UpResult } from "../../api.js";
import { Interrupted } from "../../errors.js";
import { hostsEntries } from "../../lab/hosts.js";
import { networkOf, type Lab } from "../../lab/model.js";
import { macvlanNote } from "../../plan/kinds/subif.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { c, progress, reportNotes, reportWarnings, table } from "../output.js";

export function summary(lab: Lab): string {
  const rows: string[][] = [];
  for (const n of lab.nodes) {
    const ifs = n.intfs.length ? n.intfs : [{ name: "-", addrs: [] as string[] }];
    ifs.forEach((i, k) => rows.push([k ? "" : n.vhost ? `${n.name} (host)` : n.name, k ? "" : n.ns, i.name, i.addrs.join(" ") || "-"]));
  }
  const hostNs = lab.hostNs ?? "(this namespace)";
  // Only bridges are devices in the host: a VXLAN segment's bridges live on its virtual hosts.
  for (const net of lab.networks.filter((x) => !x.holder && x.kind === "bridge"))
    rows.push(["host", hostNs, `${net.bridge} (bridge ${net.name})`, [net.gateway, net.gateway6].filter(Boolean).join(" ") || "-"]);
  for (const i of lab.host.intfs) rows.push(["host", hostNs, i.name, i.addrs.join(" ") || "-"]);
  return table(["NODE", "NAMESPACE", "INTERFACE", "ADDRESSES"], rows);
}

/**
 * A command to try that works as printed: a ping between two nodes that share a network (by
 * name where the first resolves it, else by the address on that network); without such a pair,
 * a node's ping of its gateway; a cluster with NetworkPolicies: its matrix; else nothing.
 */
export function hint(lab: Lab): string {
  // Under NetworkPolicies a ping may be denied by design: the matrix is what to try there.
  if (lab.kube?.policies?.length) return `try: sudo netlab test ${lab.name} --matrix`;
  const try_ = (a: string, target: string) => `try: sudo netlab exec ${lab.name} ${a} -- ping -c1 ${target}`;
  // A cluster's own pods (kube-system: its DNS) are not what a student looks at first.
  const theirs = (n: Lab["nodes"][number]) => !n.name.startsWith("kube-system/");
  for (const a of lab.nodes.filter((n) => !n.vhost && theirs(n)))
    for (const i of a.intfs) {
      const net = networkOf(i);
      if (!net || !i.addrs.length) continue;
      for (const b of lab.nodes.filter(theirs)) {
        const there = b !== a && b.intfs.find((j) => networkOf(j) === net && j.addrs.some((x) => !x.includes(":")));
        if (!there) continue;
        const named = hostsEntries(lab, a).some(([, h]) => h === b.name);
        return try_(a.name, named ? b.name : there.addrs.find((x) => !x.includes(":"))!.split("/")[0]);
      }
    }
  // A cable's other end (a link to the host, or to another node).
  for (const a of lab.nodes.filter((n) => !n.vhost))
    for (const i of a.intfs) {
      if (i.kind !== "veth" || !i.addrs.length) continue;
      const ends = [...lab.host.intfs, ...lab.nodes.filter((n) => n !== a).flatMap((n) => n.intfs)];
      const other = ends.find((j) => j.kind === "veth" && j.link === i.link && j !== i && j.addrs.some((x) => !x.includes(":")));
      if (other) return try_(a.name, other.addrs.find((x) => !x.includes(":"))!.split("/")[0]);
    }
  const gw = lab.nodes.flatMap((n) => n.intfs.map((i) => ({ n, net: lab.networks.find((x) => x.name === networkOf(i) && x.gateway) })).filter((x) => x.net))[0];
  return gw ? try_(gw.n.name, gw.net!.gateway!.split("/")[0]) : "";
}

export interface UpCmdOptions extends ComposeFlags {
  verbose?: boolean;
  isolated?: boolean;
  dryRun?: boolean;
  json?: boolean;
  test?: boolean;
  junit?: string;
  rm?: boolean;
  downAfter?: boolean;
}

export async function upCmd(ref: string, opts: UpCmdOptions): Promise<number> {
  const code = await upOnly(ref, opts);
  if (code !== 0 || !opts.test) return code;
  const { test, down } = await import("../../api.js");
  const { printResults } = await import("./test.js");
  let result = 1;
  try {
    const r = await test(ref, { compose: composeOf(opts) });
    result = printResults(r, { json: opts.json, junit: opts.junit, goesDown: opts.rm || opts.downAfter });
    if (result !== 0 && !(opts.rm || opts.downAfter) && !opts.json) {
      process.stdout.write(c.dim(`the lab is still up for a closer look: sudo netlab inspect ${r.lab.name}, sudo netlab exec ${r.lab.name} NODE -- CMD; then sudo netlab down ${r.lab.name}\n`));
    }
  } finally {
    if (opts.rm || opts.downAfter) {
      const d = await down(ref, { compose: composeOf(opts) });
      if (!opts.json) process.stdout.write(c.dim(`${d.lab} is down\n`));
    }
  }
  return result;
}

/**
 * A lab up from the very same files (src/unchanged.ts): its warnings and notes said again, as
 * the long way says them on every up. Loads none of the loader.
 */
async function unchanged(ref: string, opts: UpCmdOptions, warnings: typeof reportWarnings | undefined, notes: ((ns: Parameters<typeof reportNotes>[0]) => void) | undefined, p: Awaited<ReturnType<typeof progress>>): Promise<UpResult | null> {
  const t0 = Date.now();
  const found = await (await import("../../unchanged.js")).upUnchanged(ref, opts.isolated);
  if (!found) return null;
  if (warnings && found.rec.warnings.length) p.above(() => warnings(found.rec.warnings));
  if (notes && found.rec.notes.length) p.above(() => notes(found.rec.notes));
  return { lab: found.lab, changed: false, ms: Date.now() - t0 };
}

async function upOnly(ref: string, opts: UpCmdOptions): Promise<number> {
  const warnings = opts.json ? undefined : reportWarnings;
  const notes = opts.json ? undefined : (ns: Parameters<typeof reportNotes>[0]) => reportNotes(ns, !!opts.verbose);
  const compose = composeOf(opts);
  if (opts.dryRun) {
    const { up } = await import("../../api.js");
    const r = await up(ref, { isolated: opts.isolated, dryRun: true, warnings, notes, compose });
    process.stdout.write(r.script!);
    return 0;
  }
  const p = await progress(`netlab up ${ref}`, opts.json);
  // Ctrl-C, SIGTERM or a closed terminal mid-up: stop after the current phase and put
  // everything back; after the last phase, take the finished lab down again. Either way the
  // exit status says it was interrupted (130 for Ctrl-C), never that a command failed.
  let interrupted: Interrupted["signal"] | null = null;
  const onSignal = (sig: Interrupted["signal"]) => {
    if (!interrupted) p.update(`${sig}: stopping after this step, then removing what was made`);
    else process.stderr.write(`netlab: still putting things back; wait for it to finish\n`);
    interrupted ??= sig;
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, onSignal);
  const pauseAt = process.env.NETLAB_TEST_PAUSE_AFTER; // tests kill `up` here to prove crash recovery
  const stopped = (what: string) => new Interrupted(interrupted!, `interrupted by ${interrupted}; ${what}`);
  try {
    let r: UpResult;
    try {
      r = (!compose && (await unchanged(ref, opts, warnings, notes, p))) || (await (await import("../../api.js")).up(ref, {
        isolated: opts.isolated,
        warnings: warnings && ((ws) => p.above(() => warnings(ws))),
        notes: notes && ((ns) => p.above(() => notes(ns))),
        compose,
        progress: (m) => p.update(m),
        afterPhase: async (phase) => {
          if (pauseAt === phase) {
            process.stderr.write(`paused after ${phase}\n`);
            while (!interrupted) await new Promise((r) => setTimeout(r, 20)); // until the test kills or signals us
          }
          // After the last phase the lab is whole: it is taken down below, not rolled back.
          if (interrupted && phase !== "done") throw stopped("everything netlab had made was removed again");
        },
      }));
    } catch (e) {
      // A command killed by the same Ctrl-C fails the phase: the rollback ran all the same.
      if (interrupted && !(e instanceof Interrupted)) throw stopped("everything netlab had made was removed again");
      throw e;
    }
    if (interrupted) {
      if (!r.changed || r.repaired) throw stopped(r.repaired ? "the lab stays up" : "nothing was changed");
      const { down } = await import("../../teardown.js");
      await down(r.lab.name);
      throw stopped(`${r.lab.name} had come up and was taken down again`);
    }
    const lab = r.lab;
    if (opts.json) {
      process.stdout.write(JSON.stringify({ lab: lab.name, changed: r.changed, ...(r.repaired ? { repaired: r.repaired } : {}), ms: r.ms, nodes: lab.nodes.map((n) => ({ name: n.name, namespace: n.ns, interfaces: n.intfs.map((i) => ({ name: i.name, addresses: i.addrs })) })) }, null, 2) + "\n");
      return 0;
    }
    if (r.repaired?.length) {
      p.succeed(`${c.bold(lab.name)} was up but damaged; made again what was missing or changed:`);
      for (const m of r.repaired) process.stdout.write(`  ${m}\n`);
      return 0;
    }
    if (!r.changed) {
      p.succeed(`${lab.name} is already up and unchanged — nothing to do`);
      return 0;
    }
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
    const vms = lab.nodes.filter((x) => x.vhost).length;
    const counts = [...(vms ? [n(vms, "host")] : []), n(lab.nodes.length - vms, "node"), n(lab.networks.length, "network"), n(lab.links.length, "link")];
    p.succeed(`${c.bold(lab.name)} is up in ${(r.ms / 1000).toFixed(2)}s — ${counts.join(", ")}${lab.isolated ? ` (isolated: host is namespace ${lab.hostNs})` : ""}`);
    process.stdout.write(summary(lab) + "\n");
    for (const note of macvlanNote(lab.networks)) process.stdout.write(c.yellow(`note: ${note}`) + "\n");
    // With --rm the lab is gone when the command ends: no hints that would find it up.
    if (opts.test && (opts.rm || opts.downAfter)) return 0;
    const h = hint(lab);
    if (h) process.stdout.write(c.dim(h) + "\n");
    if (lab.checks.length) process.stdout.write(c.dim(`check it: sudo netlab test ${lab.name}    tear down: sudo netlab down ${lab.name}`) + "\n");
    else process.stdout.write(c.dim(`tear down: sudo netlab down ${lab.name}`) + "\n");
    return 0;
  } catch (e) {
    p.fail();
    throw e;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
