// Compose files nobody here wrote (test/fixtures/compose-real/, sources in its SOURCES.md), tried
// as a new user would: `validate`, then in a sandbox of its own `up`, `test` with the default
// checks, `down` — and nothing left behind. At least 9 in 10 must come up with every check passing;
// each of the others is refused with the one message below, naming the one thing netlab cannot do.
// About 80 s on the 2-core development VM: some 1.5-6 s per file (node start-up, a lab of up to
// 57 namespaces, UDP checks that wait out their 1 s), two at a time.
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatProblem, LabError } from "../../src/errors.js";
import { loadLabFile } from "../../src/lab/load.js";
import { kernelLab } from "../../src/net/names.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";
import { run } from "../../src/runtime/proc.js";

const DIR = resolve(import.meta.dirname, "../fixtures/compose-real");
const FILES = readdirSync(DIR).filter((d) => statSync(join(DIR, d)).isDirectory()).sort();
/** How many files are tried at once, each in its own sandbox (they share nothing but the kernel). */
const AT_ONCE = 2;

/** The refused files, and the first line of the one message each is refused with. */
const REFUSED: Record<string, string> = {
  "atsea-swarm-stack": 'docker-compose.yml:87:5: networks.payment.driver: network driver "overlay" spans the hosts of a Docker Swarm, and a Compose file describes one host',
  "pihole-unbound-macvlan": "docker-compose.yml:47:5: networks.home.driver: network driver \"macvlan\" puts containers on the host's own LAN (parent ovs_eth1), which a lab built from this file does not have",
};

interface Outcome {
  file: string;
  /** `validate`'s errors, first lines, the file's path relative to its directory. */
  errors: string[];
  /** `up --test --rm`: exit status and the checks' summary line. */
  up?: { code: number; summary: string; failed: string[] };
  leftInSandbox?: { gone: string[]; left: string[] };
}

/** The environment a user's sudo gives: none of the test runner's variables (they would be interpolated). */
const SUDO_ENV = { PATH: process.env.PATH, NO_COLOR: "1", HOME: "/root" };
const netlab = (sb: Sandbox | null, args: string[]) => run([...(sb ? ["ip", "netns", "exec", sb.name] : []), NETLAB, ...args], undefined, SUDO_ENV);

/** What a lab may leave in its sandbox: links and rules (the sandbox goes after each file; the machine is compared at the end). */
const inside = (sb: Sandbox) => Promise.all([sb.sh("ip -o link show | cut -d' ' -f2"), sb.sh("iptables-save | grep -v '^#'"), sb.sh("ip6tables-save | grep -v '^#'")]).then((rs) => rs.map((r) => r.stdout.replace(/\[\d+:\d+\]/g, "")).join("\n"));

/** validate (the library call `netlab validate` makes), then up, test and down in one command: `up --test --rm`. */
async function tryFile(name: string): Promise<Outcome> {
  const file = join(DIR, name, "docker-compose.yml");
  const out: Outcome = { file: name, errors: [] };
  try {
    loadLabFile(file, { compose: { environment: SUDO_ENV } });
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    out.errors = e.problems.map((p) => formatProblem(p).split("\n")[0].replace(`${DIR}/${name}/`, "").replace(`${relative(process.cwd(), DIR)}/${name}/`, ""));
    return out;
  }
  const sb = await Sandbox.create();
  try {
    const before = await inside(sb);
    const u = await netlab(sb, ["up", file, "--test", "--rm"]);
    out.up = { code: u.code, summary: u.stdout.split("\n").find((l) => /passed, \d+ failed/.test(l)) ?? u.stderr.trim(), failed: u.stdout.split("\n").filter((l) => l.includes("FAIL")) };
    const after = await inside(sb);
    // What differs, said: a leftover names itself in the failure.
    if (after !== before) out.leftInSandbox = { gone: before.split("\n").filter((l) => !after.includes(l)), left: after.split("\n").filter((l) => !before.includes(l)) };
  } finally {
    await sb.destroy();
  }
  return out;
}

describe.skipIf(!IS_ROOT)("real-world Compose files", () => {
  let before: Snapshot;
  const outcomes: Outcome[] = [];
  beforeAll(async () => {
    const sb = await Sandbox.create();
    before = await sb.snapshot();
    await sb.destroy();
    const queue = [...FILES];
    await Promise.all(Array.from({ length: AT_ONCE }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) outcomes.push(await tryFile(f));
    }));
    outcomes.sort((a, b) => a.file.localeCompare(b.file));
  }, 240_000);
  afterAll(async () => {
    // Whatever happened, no lab of these files stays up.
    for (const o of outcomes) if (o.up && o.up.code !== 0) await netlab(null, ["down", join(DIR, o.file, "docker-compose.yml")]);
  });

  it("are at least 20, of every kind", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(20);
  });

  it("each file that validates comes up, passes its default checks and goes down, leaving its sandbox as it was", () => {
    const bad = outcomes.filter((o) => !o.errors.length && !(o.up?.code === 0 && !o.leftInSandbox));
    expect(bad).toEqual([]);
  });

  it("at least 9 in 10 pass; the rest are refused with exactly one message each, naming what netlab cannot do", () => {
    const refused = Object.fromEntries(outcomes.filter((o) => o.errors.length).map((o) => [o.file, o.errors]));
    expect(refused).toEqual(Object.fromEntries(Object.entries(REFUSED).map(([f, m]) => [f, [m]])));
    const passed = outcomes.filter((o) => o.up?.code === 0).length;
    expect(passed / FILES.length).toBeGreaterThanOrEqual(0.9);
    process.stdout.write(`real-world Compose files: ${passed} of ${FILES.length} up with every default check passing (${Math.round((passed / FILES.length) * 100)} %), ${Object.keys(refused).length} refused\n`);
  });

  it("nothing is left anywhere: namespaces, state, processes, the machine's own links and rules", async () => {
    const sb = await Sandbox.create();
    const after = await sb.snapshot();
    await sb.destroy();
    expect({ ...after, sandbox: null }).toEqual({ ...before, sandbox: null });
    const prefixes = outcomes.map((o) => o.file.toLowerCase()).map(kernelLab);
    expect((await run(["ip", "netns", "list"])).stdout.split("\n").filter((n) => prefixes.some((p) => n.startsWith(`${p}-`)))).toEqual([]);
  });
});
