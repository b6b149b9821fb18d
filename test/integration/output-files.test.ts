// Files a user names for root to write (issue 24, item 13): in a sticky directory anyone can
// write to, another user (uid 65534) plants a symbolic link where `capture -w`, `init --force`,
// `init`, `graph -o` and `test --junit` will write. The link's target is never written nor
// created, the command fails with a clear message; and run through sudo (SUDO_UID/SUDO_GID),
// the files they do write belong to that user.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!IS_ROOT)("output files: no writing through planted links", () => {
  let sb: Sandbox;
  let before: Snapshot;
  let shared: string; // like /tmp: sticky, anyone writes
  let safe: string; // root's own: what an attacker would aim at
  let victim: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    expect((await sb.netlab(["up", "bridge-lab"])).code).toBe(0);
  });
  afterAll(async () => {
    expect((await sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });
  beforeEach(() => {
    shared = mkdtempSync(join(tmpdir(), "netlab-sticky-"));
    chmodSync(shared, 0o1777);
    safe = mkdtempSync(join(tmpdir(), "netlab-root-"));
    victim = join(safe, "victim");
    writeFileSync(victim, "precious\n");
    return () => {
      rmSync(shared, { recursive: true, force: true });
      rmSync(safe, { recursive: true, force: true });
    };
  });
  /** uid 65534 makes `name` in the shared directory a link to `target`. */
  async function plant(name: string, target: string): Promise<string> {
    const at = join(shared, name);
    expect((await run([...NOBODY, "ln", "-s", target, at])).code).toBe(0);
    expect((await run(["stat", "-c", "%u", at])).stdout.trim()).toBe("65534");
    return at;
  }
  const refused = (r: { code: number; stderr: string }, path: string) => {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error: will not write ${path}: it is a symbolic link owned by uid 65534, not by root`);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  };

  /** `netlab capture ARGS` while db pings api: what it printed and its exit status. */
  async function capture(args: string[], env: NodeJS.ProcessEnv = {}) {
    const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "capture", ...args], { env: { ...process.env, NO_COLOR: "1", ...env } });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<number>((r) => child.on("exit", (code) => r(code ?? 1)));
    for (let i = 0; i < 100 && !/listening on/.test(err) && child.exitCode === null; i++) await sleep(50);
    if (child.exitCode === null) await sb.exec("bridge-lab", "db", "ping -c3 -i 0.2 api");
    const code = await Promise.race([done, sleep(10_000).then(() => (child.kill("SIGKILL"), -1))]);
    return { code, stderr: err };
  }

  it("capture -w, before or after the target; tcpdump's own -w cannot be reached through the filter", async () => {
    const at = await plant("br0.pcap", victim);
    refused(await capture(["bridge-lab", "br0", "-w", at, "-c", "2", "--", "icmp"]), at);
    refused(await capture(["-w", at, "bridge-lab", "br0", "-c", "2"]), at);
    const filter = await capture(["bridge-lab", "br0", "-c", "2", "--", "-w", at]);
    expect(filter.code).toBe(2);
    expect(filter.stderr).toMatch(/tcpdump rejects the filter "-w /);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });

  it("init --force", async () => {
    const at = await plant("lab.yaml", victim);
    refused(await sb.netlab(["init", "--force", at]), at);
  });

  it("init without --force, through a dangling link: nothing is created", async () => {
    const at = await plant("lab.yaml", join(safe, "new.yaml"));
    const r = await sb.netlab(["init", at]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${at} already exists (a symbolic link: netlab does not create a file through one)`);
    expect(existsSync(join(safe, "new.yaml"))).toBe(false);
  });

  it("graph -o", async () => {
    const at = await plant("lab.svg", victim);
    refused(await sb.netlab(["graph", "bridge-lab", "-o", at]), at);
  });

  it("test --junit", async () => {
    const at = await plant("report.xml", victim);
    refused(await sb.netlab(["test", "bridge-lab", "--junit", at]), at);
  });

  it("through sudo, every file written belongs to the user who ran it", async () => {
    const env = { SUDO_UID: "65534", SUDO_GID: "65534", SUDO_USER: "nobody" };
    const f = (n: string) => join(shared, n);
    expect((await sb.netlab(["graph", "bridge-lab", "-o", f("lab.dot")], { env })).code).toBe(0);
    expect((await sb.netlab(["init", f("new/lab.yaml")], { env })).code).toBe(0);
    expect((await sb.netlab(["test", "bridge-lab", "--junit", f("report.xml")], { env })).code).toBe(0);
    expect((await capture(["bridge-lab", "br0", "-w", f("br0.pcap"), "-c", "2", "--", "icmp"], env)).code).toBe(0);
    for (const n of ["lab.dot", "new", "new/lab.yaml", "report.xml", "br0.pcap"]) expect([n, statSync(f(n)).uid, statSync(f(n)).gid]).toEqual([n, 65534, 65534]);
    expect(readFileSync(f("br0.pcap")).readUInt32LE(0)).toBe(0xa1b2c3d4); // tcpdump's pcap, through the descriptor netlab opened
    expect((await run(["tcpdump", "-n", "-r", f("br0.pcap")])).stdout).toMatch(/IP 172\.20\.0\.3 > 172\.20\.0\.20: ICMP echo request/);
    expect(readFileSync(f("report.xml"), "utf8")).toMatch(/^<\?xml/);
  });
});
