// What the Kubernetes benchmarks (bench-k8s.mjs, bench-netpol.mjs) share: a shell command run,
// and its wall time read by the shell itself (no Node start-up in the figure).
import { spawnSync } from "node:child_process";

/** Runs `cmd` in bash; throws with its stderr when it fails, unless `allowFail`. */
export function sh(cmd, allowFail = false) {
  const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0 && !allowFail) throw new Error(`failed: ${cmd.slice(0, 200)}\n${r.stderr}`);
  return r;
}

/** Wall time of cmd in seconds, read by the shell that runs it. */
export function timed(cmd) {
  const r = sh(`__s=$EPOCHREALTIME; ${cmd}; __rc=$?; echo "@@bench $__s $EPOCHREALTIME" >&2; exit $__rc`);
  const [, a, b] = /@@bench (\S+) (\S+)\s*$/.exec(r.stderr) ?? [];
  return Number(b.replace(",", ".")) - Number(a.replace(",", "."));
}
