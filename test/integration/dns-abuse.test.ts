// A lab's DNS server against a hostile local user (issue 24, items 1–5): nobody inside the
// lab's host namespace sends what once ended the server or grew it without bound, and the same
// server process must answer correctly throughout, its memory and descriptors bounded. Also:
// forwarding over every upstream in turn (a dead first one), upstreams being lab nodes only;
// and `netlab logs` naming nodes exactly (item 7).
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABUSE_GW, attack, attackOnce, dnsServerPid, fdCount, labUpstreams, rssKb, sendFromPort0, writeAbuseLab } from "./dns-abuse.js";
import { eventually, IS_ROOT, Sandbox } from "./sandbox.js";

const GW = ABUSE_GW;

describe.skipIf(!IS_ROOT)("the lab DNS server under attack by a local user", () => {
  let sb: Sandbox;
  let pid: number;
  let before: Awaited<ReturnType<Sandbox["snapshot"]>>;
  const dir = mkdtempSync(join(tmpdir(), "netlab-dnsabuse-"));
  let undoUpstreams = () => {};
  const queryLog = () => readFileSync("/run/netlab/dnsabuse/logs/dns.log", "utf8");
  const dig = (args: string) => sb.exec("dnsabuse", "client", `dig +short +tries=1 +time=4 ${args}`).then((r) => r.stdout.trim());
  const alive = async () => {
    expect(dnsServerPid(sb, "dnsabuse")).toBe(pid); // the same process: never died, never restarted
    expect(await dig("web")).toBe("10.77.1.3");
  };

  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    undoUpstreams = labUpstreams(sb);
    const up = await sb.netlab(["up", writeAbuseLab(dir)]);
    expect(up.code, up.stderr).toBe(0);
    expect(await eventually(async () => (await dig("web")) === "10.77.1.3")).toBe(true);
    pid = dnsServerPid(sb, "dnsabuse")!;
    expect(pid).toBeGreaterThan(0);
  }, 30_000);

  afterAll(async () => {
    await sb.netlab(["down", "dnsabuse"]);
    undoUpstreams();
    rmSync(dir, { recursive: true, force: true });
    const after = await sb.snapshot();
    await sb.destroy();
    expect(after).toEqual(before);
  });

  it("one TCP query with 301 questions: a small FORMERR, and the server goes on", async () => {
    const r = await attackOnce(sb, "oversized", [GW]);
    expect(r).toMatchObject({ connected: true, rcode: 1 });
    expect(r!.bytes as number).toBeLessThanOrEqual(2 + 512);
    await alive();
  });

  it("a UDP query from source port 0 (root in a node: a raw socket) is dropped, not fatal", async () => {
    const sent = await sendFromPort0(sb, "dnsabuse", "client", GW);
    expect(sent.code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    await alive();
    expect(await eventually(async () => queryLog().includes("10.77.1.2 query from source port 0: dropped"), 2000)).toBe(true);
  });

  it("malformed messages by the hundred: the server goes on, and its log says how many lines it left out", async () => {
    expect(await attackOnce(sb, "malformed", [GW, 150])).toMatchObject({ udp: 150, tcp: 150 });
    await alive();
    expect(await eventually(async () => /\(suppressed \d+ more lines about queries from outside the lab/.test(queryLog()), 2000)).toBe(true);
  });

  it("12 MB of pipelined TCP queries never read: the server's memory grows by less than 50 MB", async () => {
    const rss0 = rssKb(pid);
    let peak = rss0;
    const sample = () => {
      if (dnsServerPid(sb, "dnsabuse") === pid) peak = Math.max(peak, rssKb(pid));
    };
    const sampling = setInterval(sample, 200);
    const a = attack(sb, "pipeline", [GW, 12, 2, 1.5]);
    const r = await a.result;
    await a.exited;
    clearInterval(sampling);
    sample();
    expect(r).toMatchObject({ connected: true });
    expect(peak - rss0, `RSS grew ${peak - rss0} kB`).toBeLessThan(50 * 1024);
    await alive();
  });

  it("3,000 idle TCP connections: the server's descriptors stay bounded and UDP still answers", async () => {
    const fd0 = fdCount(pid);
    const a = attack(sb, "idle", [GW, 3000, 1.5]);
    const r = await a.result;
    const fds = fdCount(pid);
    const answered = await dig("web");
    await a.exited;
    expect(r!.opened as number, "connections the attacker got").toBeGreaterThan(2000);
    expect(fds - fd0, `${fds} descriptors open (${fd0} before)`).toBeLessThan(300);
    expect(answered).toBe("10.77.1.3");
    await alive();
  });

  it("forwarding tries every upstream in turn: a dead first one costs no time", async () => {
    const t0 = Date.now();
    expect(await dig("first.example")).toBe("192.0.2.53");
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(queryLog()).toContain("client A first.example -> forwarded to 10.77.2.53 (after 10.77.2.54: port unreachable)");
  });

  it("a flood of fake answers to the forwarder's port: every lookup gets the upstream's answer", async () => {
    const a = attack(sb, "spoof", [2.5]);
    await new Promise((r) => setTimeout(r, 300));
    const got = await dig("probe.example probe.example probe.example probe.example");
    await a.exited;
    const r = await a.result;
    expect(got.split("\n")).toEqual(Array(4).fill("192.0.2.53"));
    expect(r!.ports as number, "the spoofer found the forwarder's sockets").toBeGreaterThan(0);
    await alive();
  });

  it("a name with control characters is logged escaped: netlab logs cannot drive the terminal", async () => {
    expect(await attackOnce(sb, "name", [GW, JSON.stringify("evil\x1b[2J\x07\r\nforged")])).toMatchObject({ rcode: 5 });
    const out = (await sb.netlab(["logs", "dnsabuse", "dns"])).stdout;
    expect(out).toContain("A evil\\027[2J\\007\\013\\010forged REFUSED");
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it("netlab logs says when it cannot read the log, with a non-zero exit", async () => {
    const log = `/run/netlab/dnsabuse/logs/dns.log`;
    renameSync(log, `${log}.keep`);
    mkdirSync(log);
    try {
      const r = await sb.netlab(["logs", "dnsabuse", "dns"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot read .*dns\.log: .*EISDIR/);
    } finally {
      rmdirSync(log);
      renameSync(`${log}.keep`, log);
    }
  });

  it("afterwards: the same server answers correctly over UDP and TCP", async () => {
    await alive();
    expect(await dig("+tcp web")).toBe("10.77.1.3");
    expect(await dig("-x 10.77.1.3")).toBe("web.front."); // NAME.NETWORK, as Docker answers
  });
});

describe.skipIf(!IS_ROOT)("netlab logs: node names exactly", () => {
  let sb: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), "netlab-logsn-"));
  const lab = `name: logsn
networks:
  n: { subnet: 10.78.0.0/24 }
nodes:
  web: { networks: [n], run: "echo out-of-web; sleep 600" }
  web-1: { networks: [n], run: "echo out-of-web-1; sleep 600" }
  dns: { networks: [n], run: "echo out-of-node-dns; sleep 600" }
`;
  const logs = (...args: string[]) => sb.netlab(["logs", "logsn", ...args]);

  beforeAll(async () => {
    sb = await Sandbox.create();
    writeFileSync(join(dir, "logsn.yaml"), lab);
    const up = await sb.netlab(["up", join(dir, "logsn.yaml")]);
    expect(up.code, up.stderr).toBe(0);
    expect(await eventually(async () => (await logs("web-1")).stdout !== "" && (await logs("--dns")).stdout !== "")).toBe(true);
  }, 30_000);

  afterAll(async () => {
    await sb.netlab(["down", "logsn"]);
    rmSync(dir, { recursive: true, force: true });
    await sb.destroy();
  });

  it("web is not web-1; a node named dns is that node; --dns is the DNS server", async () => {
    expect((await logs("web")).stdout).toBe("out-of-web\n");
    expect((await logs("web-1")).stdout).toBe("out-of-web-1\n");
    const node = await logs("dns");
    expect({ code: node.code, out: node.stdout }).toEqual({ code: 0, out: "out-of-node-dns\n" });
    expect(node.stderr).toContain("netlab logs logsn --dns");
    expect((await logs("--dns")).stdout).toMatch(/listening on 10\.78\.0\.1:53/);
    expect((await logs("nosuch")).code).toBe(2);
    expect((await logs("web", "--dns")).code).toBe(2);
  });
});
