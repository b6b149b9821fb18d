// scripts/chaos: see the shell wrapper. Prints each trial, then the totals.
import { cpus, totalmem } from "node:os";
import { KINDS, measureUp, prng, trial, type TrialResult } from "../test/integration/chaos.js";

const n = Number(process.argv[2] ?? 100);
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const rnd = prng(seed);
const t0 = Date.now();
const upMs = await measureUp();
console.log(`chaos: ${n} trials, seed ${seed}, up of the chaos lab takes ~${upMs} ms here (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB)`);
const results: TrialResult[] = [];
for (let i = 0; i < n; i++) {
  const kind = KINDS[Math.floor(rnd() * KINDS.length)];
  const r = await trial(kind, rnd, upMs).catch((e: Error) => ({ kind, detail: `the harness failed: ${e.message}`, leftovers: [`harness: ${e.message}`], ms: 0 }));
  results.push(r);
  console.log(`${String(i + 1).padStart(4)} ${r.leftovers.length ? "LEFTOVER" : "clean   "} ${kind.padEnd(12)} ${r.detail} (${r.ms} ms)`);
  for (const l of r.leftovers) console.log(`       ${l}`);
}
console.log("");
for (const k of KINDS) {
  const of = results.filter((r) => r.kind === k);
  if (of.length) console.log(`${k.padEnd(12)} ${of.length} trials, ${of.filter((r) => r.leftovers.length).length} with leftovers`);
}
const bad = results.filter((r) => r.leftovers.length).length;
console.log(`${n - bad} passed, ${bad} failed (${n} trials, seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
process.exitCode = bad ? 1 : 0;
