// Putting back what went missing from a lab that is up (drift.ts found it): the affected
// steps of its plan run again, in the plan's order, so that a device exists before anything is
// set on it. Cables and host devices first (`ip -force`: what exists stays), with the devices
// made in a parent's namespace; then the host's routes, rules and sysctls (a sysctl of an
// interface that was gone is set once the interface is back); then, in each node or virtual
// host where something is missing, that namespace's whole step again, idempotently: its batch
// with -force, its sysctls, forwarding entries, qdiscs, and — only when they drifted — its
// iptables, flushed and loaded again whole; last, dead `run` services are restarted.
//
// Why a node's step again rather than a new namespace: tearing a node down would kill its
// services and cut the cables of every node living on a virtual host; its step is one batch
// that already only adds and replaces, so running it again is quick and changes nothing that is
// still there. `ip rule add` is the one line that would add a duplicate: each is preceded by its
// `rule del`. `exec:` commands are not run again (they are the user's, and need not be idempotent).
import type { Lab } from "../lab/model.js";
import type { Op, Plan, Step } from "../plan/ops.js";
import { runOp } from "./apply.js";
import type { Context } from "./context.js";
import type { Drift, SpaceDrift } from "./drift.js";
import { emptyTables, tablesIn } from "./iptables-live.js";
import { holdTables } from "./shared.js";

/** An op run again: ip batches keep going past what already exists; rules are deleted before they are added. */
function again(op: Op): Op {
  if (op.op !== "ip") return op;
  return { ...op, force: true, lines: op.lines.flatMap((l) => (l.startsWith("rule add ") ? [`rule del ${l.slice("rule add ".length)}`, l] : [l])) };
}

export async function repair(lab: Lab, plan: Plan, d: Drift, ctx: Context): Promise<string[]> {
  const steps = plan.phases.flatMap((p) => p.steps);
  const step = (id: string): Step | undefined => steps.find((s) => s.id === id);
  const runAll = async (ops: Op[]) => {
    for (const op of ops) await runOp(again(op), ctx);
  };
  const done: string[] = [];
  const host = d.spaces.find((s) => s.who === "host");
  if (d.spaces.some((s) => s.links) || host?.net) {
    await runAll(step("host-links")?.ops ?? []);
    for (const s of steps) if (s.id.startsWith("parents:")) await runAll(s.ops);
    done.push("the lab's cables and host devices");
  }
  if (host?.net) {
    await runAll(step("host-routes")?.ops ?? []);
    // The host's own route was saved when the lab first replaced it: only the lab's goes back.
    const overrides = (step("host-route-overrides")?.ops ?? []).flatMap((o) => (o.op === "route-override" ? [`route replace ${o.route}`] : []));
    if (overrides.length) await runOp({ op: "ip", ns: lab.hostNs, force: true, lines: overrides }, ctx);
    done.push("host addresses and routes");
  }
  const rules = step("host-iptables");
  if (host?.rules && rules) {
    // The rules are reloaded, not the lab taken away: its flows stay (no conntrack flush).
    for (const op of rules.undo) if (op.op !== "conntrack") await runOp(op, ctx);
    await holdTables([rules], ctx);
    for (const op of rules.ops) await runOp(op, ctx);
    done.push("the lab's host iptables rules");
  }
  const sysctls = step("host-sysctls");
  if (host?.sysctls && sysctls) {
    for (const op of sysctls.ops) await runOp(op, ctx);
    done.push("host sysctls");
  }
  for (const sd of d.spaces.filter((s) => s.who !== "host")) {
    const s = step(`node:${sd.who}`);
    if (s) await nodeAgain(s, sd, ctx);
    done.push(`${sd.who}'s interfaces, addresses, routes${sd.rules ? ", rules" : ""}`);
  }
  for (const p of d.runs) {
    const spawn = steps.flatMap((s) => s.ops).find((o) => o.op === "spawn" && o.log === p.log);
    if (spawn) {
      await runOp(spawn, ctx);
      done.push(`run on ${p.who}`);
    }
  }
  return done;
}

/** A node's (or virtual host's) step again. Its iptables only when they drifted: flushed first, since its loads append. */
async function nodeAgain(s: Step, sd: SpaceDrift, ctx: Context): Promise<void> {
  const flushed = new Set<4 | 6>();
  for (const op of s.ops) {
    if (op.op !== "iptables") {
      await runOp(again(op), ctx);
      continue;
    }
    if (!sd.rules) continue;
    if (!flushed.has(op.family)) {
      // The namespace is the lab's own: every table the step loads, emptied (rules and chains).
      flushed.add(op.family);
      const tables = [...new Set(s.ops.flatMap((o) => (o.op === "iptables" && o.family === op.family ? tablesIn(o.text) : [])))];
      await runOp({ op: "iptables", ns: op.ns, family: op.family, text: emptyTables(tables) }, ctx);
    }
    await runOp(op, ctx);
  }
}
