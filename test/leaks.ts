// Every test file, unit or integration, must leave the machine's global netlab names as it
// found them: namespaces (sandboxes aside), /etc/netns, /run/netlab, /dev/shm/netlab. A file that
// leaks fails itself — not the next file whose own snapshot would see the leftovers — and what
// it left is cleaned by netlab's own `clean --all`, so the files after it start clean.
import { existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { run } from "../src/runtime/proc.js";

const NETLAB = new URL("../bin/netlab", import.meta.url).pathname;
const list = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);
// A directory netlab made and left empty counts too (a fresh machine has none): "." stands for it.
const dir = (d: string) => (existsSync(d) ? [".", ...list(d)] : []);
const names = () => ({
  netns: list("/run/netns").filter((n) => !n.startsWith("nlt")),
  etcNetns: dir("/etc/netns"),
  runNetlab: dir("/run/netlab"),
  shmNetlab: dir("/dev/shm/netlab"),
});

// Unit tests make nothing in the kernel: only integration files are checked (and a unit run
// beside an integration run must never clean that run's labs away).
const integration = () => /[\\/]integration[\\/]/.test(expect.getState().testPath ?? "");
let before: ReturnType<typeof names>;
beforeAll(() => {
  before = names();
});
afterAll(async () => {
  if (!integration()) return;
  const after = names();
  const left = Object.entries(after).flatMap(([k, v]) => v.filter((x) => !before[k as keyof typeof before].includes(x)).map((x) => `${k}: ${x}`));
  if (!left.length) return;
  if (process.getuid?.() === 0) await run([NETLAB, "clean", "--all"]);
  throw new Error(`this file left behind (now cleaned):\n  ${left.join("\n  ")}`);
});
