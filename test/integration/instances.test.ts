// Issue 24, items 6 and 14: what netlab starts is told apart by the lab's instance, not its name,
// and carries none of its caller's descriptors. Sandboxes here are whole machines as far as
// netlab can tell: a mount namespace of their own with private /run (so /run/netns and
// /run/netlab), /etc/netns and /dev/shm, and a network namespace `host` in it that plays the
// lab's host — only the process table is shared, as it is between containers or CI jobs.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type Result } from "../../src/runtime/proc.js";
import { shQuote } from "../../src/shell.js";
import { IS_ROOT, labFiles, NETLAB, netlabProcesses, sandboxEach } from "./sandbox.js";

const { dir, write: labFile } = labFiles("netlab-instances-");
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sandbox with its own mount namespace (held by one `sleep`) and a network namespace `host` in it. */
class MountBox {
  private constructor(private readonly holder: ChildProcess) {}

  static async create(): Promise<MountBox> {
    const setup = [
      "mount -t tmpfs -o mode=755 tmpfs /run",
      "mount -t tmpfs -o mode=755 tmpfs /etc/netns",
      "mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
      "ip netns add host",
      "ip -n host link set lo up",
      "echo ready",
      "exec sleep 600",
    ].join(" && ");
    const holder = spawn("unshare", ["--mount", "--propagation", "private", "sh", "-c", setup], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (b: Buffer) => b.toString().includes("ready") && resolve());
      holder.on("exit", (code) => reject(new Error(`sandbox setup failed (${code})`)));
    });
    return new MountBox(holder);
  }

  get pid(): number {
    return this.holder.pid!;
  }

  /** A shell in the sandbox's mount namespace; it forks for `cmd`, so a netlab it starts has an ancestor there (as under a login shell). */
  sh(cmd: string): Promise<Result> {
    return run(["nsenter", `--mount=/proc/${this.pid}/ns/mnt`, "sh", "-c", `${cmd}; exit $?`], undefined, { ...process.env, NO_COLOR: "1" });
  }

  netlab(...args: string[]): Promise<Result> {
    return this.sh(`ip netns exec host ${NETLAB} ${args.map(shQuote).join(" ")}`);
  }

  /** The `host` namespace's id, as /proc/PID/ns/net shows it. */
  async hostId(): Promise<string> {
    return (await this.sh("ip netns exec host readlink /proc/self/ns/net")).stdout.trim();
  }

  async destroy(): Promise<void> {
    await this.sh("ip netns del host");
    const gone = new Promise((r) => this.holder.once("exit", r));
    this.holder.kill("SIGKILL");
    await gone;
  }
}

/** Processes carrying NETLAB_LAB=<lab>, by the network namespace they are in. */
function labProcesses(lab: string): { pid: number; ns: string }[] {
  const out: { pid: number; ns: string }[] = [];
  for (const p of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${p}/environ`, "utf8").split("\0").includes(`NETLAB_LAB=${lab}`)) out.push({ pid: Number(p), ns: readlinkSync(`/proc/${p}/ns/net`) });
    } catch {
      /* exited */
    }
  }
  return out;
}

const TWIN = `name: twin
networks:
  n: { subnet: 10.79.0.0/24 }
nodes:
  a: { networks: [n] }
  b: { networks: [n], run: netlab serve tcp --port 7 }
checks:
  - { from: a, dns: b, equals: 10.79.0.3 }
  - { from: a, tcp: "b:7" }
`;

describe.skipIf(!IS_ROOT)("lab instances: two sandboxes with a lab of the same name", () => {
  const boxes: MountBox[] = [];
  let madeEtcNetns = false;
  let before: string[];
  beforeAll(() => {
    before = netlabProcesses();
    madeEtcNetns = !existsSync("/etc/netns"); // the mount point for each sandbox's own
    if (madeEtcNetns) mkdirSync("/etc/netns");
  });
  afterAll(async () => {
    for (const b of boxes) {
      await b.netlab("down", "twin");
      await b.destroy();
    }
    if (madeEtcNetns) rmdirSync("/etc/netns");
    expect(netlabProcesses()).toEqual(before);
  });

  it("down in one and clean in a third leave the other's DNS server and services alive; clean still takes a leftover of its own", async () => {
    const f = labFile("twin", TWIN);
    const [a, b, c] = [await MountBox.create(), await MountBox.create(), await MountBox.create()];
    boxes.push(a, b, c);
    for (const box of [a, b]) expect((await box.netlab("up", f)).code).toBe(0);
    const checksPass = async () => {
      const r = await a.netlab("test", "twin");
      expect(r.stdout).toContain("2 passed, 0 failed");
      return r.code;
    };
    expect(await checksPass()).toBe(0);
    const aHost = await a.hostId();
    const inA = () => labProcesses("twin").filter((p) => p.ns === aHost).map((p) => p.pid).sort();
    const aDns = inA(); // the DNS server lives in A's host namespace
    expect(aDns.length).toBeGreaterThan(0);

    // A third sandbox with no labs of its own: nothing of netlab's to clean.
    const cleaned = await c.netlab("clean");
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout).toContain("nothing of netlab's without state");
    expect(inA()).toEqual(aDns);
    expect(await checksPass()).toBe(0);

    // B's down takes B's processes only.
    expect((await b.netlab("down", "twin")).code).toBe(0);
    const bHost = await b.hostId();
    expect(labProcesses("twin").filter((p) => p.ns === bHost)).toEqual([]);
    expect(inA()).toEqual(aDns);
    expect(await checksPass()).toBe(0);

    // C's own leftover (state deleted) is cleaned, processes and all; A's lab is not touched.
    expect((await c.netlab("up", f)).code).toBe(0);
    expect((await c.netlab("test", "twin")).code).toBe(0); // its DNS server has read its state and serves
    const cHost = await c.hostId();
    expect(labProcesses("twin").filter((p) => p.ns === cHost).length).toBeGreaterThan(0);
    await c.sh("rm -rf /run/netlab/twin");
    const leftover = await c.netlab("clean");
    expect(leftover.stdout).toContain("twin: removed");
    expect(leftover.stdout).toMatch(/process \d+ \(.*dns-server twin/);
    expect(labProcesses("twin").filter((p) => p.ns === cHost)).toEqual([]);
    expect(inA()).toEqual(aDns);
    expect(await checksPass()).toBe(0);
  });

  it("clean in a sandbox that shares the other's host namespace leaves a lab that is up there alone", async () => {
    const f = labFile("twin", TWIN);
    const [a, d] = [await MountBox.create(), await MountBox.create()];
    boxes.push(a, d);
    expect((await a.netlab("up", f)).code).toBe(0);
    // D names A's host namespace `host` too: it sees A's bridge, rules and DNS server there, but not A's state.
    expect((await d.sh(`ip netns del host && touch /run/netns/host && mount --no-canonicalize --bind /proc/${a.pid}/root/run/netns/host /run/netns/host`)).code).toBe(0);
    expect(await d.hostId()).toBe(await a.hostId());
    expect((await a.netlab("test", "twin")).code).toBe(0); // the DNS server is up and has read its state
    const dry = await d.netlab("clean", "--dry-run");
    expect(dry.stdout).toMatch(/twin is up in another mount namespace \(its process \d+ still sees its state there\): left alone/);
    expect((await d.netlab("clean")).code).toBe(0);
    const r = await a.netlab("test", "twin");
    expect(r.stdout).toContain("2 passed, 0 failed");
    expect((await a.netlab("down", "twin")).code).toBe(0);
    await d.sh("umount /run/netns/host");
  });
});

describe.skipIf(!IS_ROOT)("descriptors", () => {
  const t = sandboxEach();

  it("a run: daemon and exec inherit none of the caller's descriptors beyond 0-2", async () => {
    t.labs.add("fds");
    const out = join(dir, "run-fds.txt");
    const f = labFile("fds", `name: fds\nnodes:\n  a: { run: "ls /proc/self/fd > ${out}; exec sleep 60" }\n`);
    // The caller has 100, 240 and 300 open (a file, /etc/hostname, its own stdout), as a script
    // might. Its stdout is a file: a daemon holding a pipe open would keep the reader waiting.
    const listed = join(dir, "exec-fds.txt");
    const r = await run(["bash", "-c", `exec >${shQuote(listed)} 100>${shQuote(join(dir, "x"))} 240</etc/hostname 300>&1
      ip netns exec ${t.sb.name} ${NETLAB} up ${shQuote(f)} >/dev/null || exit 1
      ip netns exec ${t.sb.name} ${NETLAB} exec fds a -- ls /proc/self/fd`]);
    expect(r.code).toBe(0);
    // ls lists its own open directory too (3).
    expect(readFileSync(listed, "utf8").split("\n").filter(Boolean).sort()).toEqual(["0", "1", "2", "3"]);
    for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((res) => setTimeout(res, 20));
    await new Promise((res) => setTimeout(res, 50));
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).sort()).toEqual(["0", "1", "2", "3"]);
    // The daemon itself (sleep, exec'd by the service's shell), seen from outside.
    const pids = (await run(["ip", "netns", "pids", "fds-a"])).stdout.split("\n").filter(Boolean);
    expect(pids.length).toBeGreaterThan(0);
    for (const p of pids) expect(readdirSync(`/proc/${p}/fd`).sort()).toEqual(["0", "1", "2"]);
    expect((await t.sb.netlab(["down", "fds"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });
});
