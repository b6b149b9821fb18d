// Chaos trials: netlab killed at random moments of `up` and `down`, interrupted by signals
// (to itself and to its process group), two labs overlapping in one host namespace, `up` and
// `down` racing, and a lab's DNS server attacked by a local user (dns-abuse.ts). Each trial runs in a fresh sandbox, and afterwards everything a lab may touch
// (the sandbox snapshot) must be exactly as before. Used by scripts/chaos (100s of trials,
// out of the pass/fail run) and, briefly, by the integration suite.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { run } from "../../src/runtime/proc.js";
import { abuseRun, writeAbuseLab } from "./dns-abuse.js";
import { NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

export const CHAOS_LAB = resolve(import.meta.dirname, "../fixtures/chaos.yaml");
export const CHAOS_B = resolve(import.meta.dirname, "../fixtures/chaos-b.yaml");

export type TrialKind = "kill-up" | "kill-down" | "signal-up" | "signal-group" | "overlap" | "race" | "dns-abuse";
export const KINDS: TrialKind[] = ["kill-up", "kill-down", "signal-up", "signal-group", "overlap", "race", "dns-abuse"];

export interface TrialResult {
  kind: TrialKind;
  detail: string;
  /** Keys of the snapshot that differ from before: empty when nothing was left behind. */
  leftovers: string[];
  ms: number;
}

/** A small seeded PRNG (mulberry32), so that a failing run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(sb: Sandbox, args: string[]) {
  const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, ...args], { env: { ...process.env, NO_COLOR: "1" }, detached: true, stdio: "ignore" });
  // As a shell reports it: a process ended by a signal exits 128 + its number (a signal that
  // arrives before netlab has started doing anything ends it the default way).
  const signo: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  const exited = new Promise<number>((r) => child.on("close", (code, sig) => r(code ?? 128 + (signo[sig ?? ""] ?? 0))));
  return { child, exited };
}

function diff(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, at: string) => {
    if (x && y && typeof x === "object" && typeof y === "object" && !Array.isArray(x) && !Array.isArray(y)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    } else if (!isDeepStrictEqual(x, y)) out.push(`${at}: ${JSON.stringify(y).slice(0, 300)}`);
  };
  walk(a, b, "");
  return out;
}

/** One trial in a fresh sandbox. `scale` stretches the random delays to this machine's `up` time. */
export async function trial(kind: TrialKind, rnd: () => number, upMs: number): Promise<TrialResult> {
  const t0 = Date.now();
  const sb = await Sandbox.create();
  let detail = "";
  try {
    const before = await sb.snapshot();
    const at = () => Math.round(rnd() * upMs * 1.2);
    switch (kind) {
      case "kill-up": {
        const d = at();
        const up = start(sb, ["up", CHAOS_LAB]);
        await sleep(d);
        up.child.kill("SIGKILL");
        detail = `SIGKILL up after ${d} ms (exit ${await up.exited})`;
        break;
      }
      case "kill-down": {
        await sb.netlab(["up", CHAOS_LAB]);
        const d = Math.round(rnd() * upMs * 0.8);
        const down = start(sb, ["down", "chaos"]);
        await sleep(d);
        down.child.kill("SIGKILL");
        detail = `SIGKILL down after ${d} ms (exit ${await down.exited})`;
        break;
      }
      case "signal-up":
      case "signal-group": {
        const sig = rnd() < 0.5 ? "SIGINT" : "SIGTERM";
        const d = at();
        const up = start(sb, ["up", CHAOS_LAB]);
        await sleep(d);
        try {
          if (kind === "signal-group") process.kill(-up.child.pid!, sig);
          else up.child.kill(sig);
        } catch {
          /* it had already finished */
        }
        const code = await up.exited;
        detail = `${sig} to ${kind === "signal-group" ? "the group" : "up"} after ${d} ms (exit ${code})`;
        if (code !== 0 && code !== 130 && code !== 143) detail += " UNEXPECTED EXIT";
        break;
      }
      case "overlap": {
        const first = rnd() < 0.5 ? CHAOS_LAB : CHAOS_B;
        const second = first === CHAOS_LAB ? CHAOS_B : CHAOS_LAB;
        await sb.netlab(["up", first]);
        const d = at();
        const up = start(sb, ["up", second]);
        await sleep(d);
        if (rnd() < 0.5) up.child.kill("SIGKILL");
        await up.exited;
        const order = rnd() < 0.5 ? ["chaos", "chaos-b"] : ["chaos-b", "chaos"];
        await sb.netlab(["down", order[0]]);
        // The lab that stays must still work on its own.
        const survivor = order[1];
        const t = await sb.netlab(["test", survivor]);
        detail = `up ${first.replace(/^.*\//, "")} then ${second.replace(/^.*\//, "")} (killed at ${d} ms or not), down ${order[0]}: ${survivor} test exit ${t.code}`;
        if (t.code !== 0 && !/not up/.test(t.stderr)) detail += " SURVIVOR BROKEN";
        break;
      }
      case "race": {
        const d = Math.round(rnd() * upMs);
        const up = start(sb, ["up", CHAOS_LAB]);
        await sleep(d);
        // By its file: before up has made anything, "chaos" alone names no lab (exit 1), the file does.
        const down = await sb.netlab(["down", CHAOS_LAB]);
        const code = await up.exited;
        detail = `down ${d} ms after up started: up exit ${code}, down exit ${down.code}`;
        if (down.code !== 0) detail += " DOWN FAILED";
        break;
      }
      case "dns-abuse": {
        const dir = mkdtempSync(join(tmpdir(), "netlab-chaos-dns-"));
        try {
          detail = await abuseRun(sb, rnd, writeAbuseLab(dir));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        break;
      }
    }
    // Whatever happened, one `down` of each lab must leave the sandbox as it was.
    for (const lab of ["chaos", "chaos-b", "dnsabuse"]) {
      const r = await sb.netlab(["down", lab]);
      // A lab that is not up (never was, in this trial) is exit 1 by name: nothing to take down.
      if (r.code !== 0 && !/no lab "[^"]+" is up, and it names no lab file/.test(r.stderr)) detail += ` (down ${lab}: exit ${r.code}: ${r.stderr.trim().slice(0, 200)})`;
    }
    const after = await sb.snapshot();
    const leftovers = diff(before, after);
    if (leftovers.length) {
      // Keep the machine clean for the next trial, whatever this one left.
      await sb.netlab(["clean", "--all"]);
      await run(["sh", "-c", "rm -rf /run/netlab /dev/shm/netlab; rmdir /etc/netns 2>/dev/null; true"]);
    }
    if (/UNEXPECTED|BROKEN|FAILED/.test(detail)) leftovers.push(`behaviour: ${detail}`);
    return { kind, detail, leftovers, ms: Date.now() - t0 };
  } finally {
    await sb.destroy();
  }
}

/** How long `up` of the chaos lab takes here: random kill times are spread over it. */
export async function measureUp(): Promise<number> {
  const sb = await Sandbox.create();
  try {
    const t0 = Date.now();
    await sb.netlab(["up", CHAOS_LAB]);
    const ms = Date.now() - t0;
    await sb.netlab(["down", "chaos"]);
    return Math.max(ms, 100);
  } finally {
    await sb.destroy();
  }
}
