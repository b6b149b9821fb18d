// `netlab capture` for real: tcpdump inside a node and on a bridge sees the ping the test
// provokes; a pcap file is readable by tcpdump -r; Ctrl-C (SIGINT to the terminal's process
// group) ends it cleanly; bad targets and filters are exit 2 with tcpdump's own words.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!IS_ROOT)("capture", () => {
  let sb: Sandbox;
  let before: Snapshot;
  let dir: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    dir = mkdtempSync(join(tmpdir(), "netlab-cap-"));
    expect((await sb.netlab(["up", "bridge-lab"])).code).toBe(0);
  });
  afterAll(async () => {
    expect((await sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a capture in a process group of its own (as a terminal would), pings, and returns what it printed. */
  async function capture(args: string[], provoke: () => Promise<unknown>, stop: "count" | "sigint") {
    const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "capture", "bridge-lab", ...args], { detached: true, env: { ...process.env, NO_COLOR: "1" } });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    for (let i = 0; i < 100 && !/listening on/.test(err); i++) await sleep(50);
    await provoke();
    if (stop === "sigint") {
      await sleep(300);
      process.kill(-child.pid!, "SIGINT");
    }
    const code = await Promise.race([done, sleep(10_000).then(() => "timeout")]);
    return { code, out, err };
  }

  it("inside a node: sees the ping it provoked, as text, and stops after -c N", async () => {
    const r = await capture(["web", "-c", "2", "--", "icmp"], () => sb.exec("bridge-lab", "api", "ping -c2 -i 0.2 web"), "count");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/IP 172\.20\.0\.20 > 172\.20\.0\.2: ICMP echo request/);
    expect(r.out).toMatch(/IP 172\.20\.0\.2 > 172\.20\.0\.20: ICMP echo reply/);
  });

  it("on a network's bridge, into a pcap file; Ctrl-C ends it cleanly and the file is readable", async () => {
    const file = join(dir, "br0.pcap");
    const r = await capture(["br0", "-w", file, "--", "icmp"], () => sb.exec("bridge-lab", "db", "ping -c3 -i 0.2 api"), "sigint");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\d+ packets captured/);
    const read = await run(["tcpdump", "-n", "-r", file]);
    expect(read.stdout).toMatch(/IP 172\.20\.0\.3 > 172\.20\.0\.20: ICMP echo request/);
    expect(read.stdout.trim().split("\n").length).toBe(6);
    expect(readFileSync(file).readUInt32LE(0)).toBe(0xa1b2c3d4); // pcap magic: Wireshark opens it
  });

  it("netlab graph draws the lab that is up, by its name", async () => {
    const g = await sb.netlab(["graph", "bridge-lab"]);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('n_api["<b>api</b><br/>eth0 172.20.0.20/24"]');
  });

  it("refuses what cannot be captured, with exit 2 and a hint", async () => {
    const filter = await sb.netlab(["capture", "bridge-lab", "web", "--", "icmpp"]);
    expect(filter.code).toBe(2);
    expect(filter.stderr).toMatch(/tcpdump rejects the filter "icmpp": can't parse filter expression: syntax error/);
    const node = await sb.netlab(["capture", "bridge-lab", "nope"]);
    expect(node.code).toBe(2);
    expect(node.stderr).toMatch(/has no node or network "nope"\n  hint: nodes: web, api, db, host; networks: br0/);
    const iface = await sb.netlab(["capture", "bridge-lab", "web:eth9"]);
    expect(iface.code).toBe(2);
    expect(iface.stderr).toMatch(/web has no interface eth9\n  hint: interfaces there: lo, eth0/);
    const lab = await sb.netlab(["capture", "no-such-lab", "web"]);
    expect(lab.code).toBe(2);
    expect(lab.stderr).toMatch(/lab no-such-lab is not up/);
  });
});
