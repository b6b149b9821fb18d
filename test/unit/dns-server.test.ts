// The lab DNS server's parts that meet other users, on 127.0.0.1 without root: the forwarder
// (only the answer to what it asked), TCP limits, and the query log (kept open, rotated, rate-limited).
import dgram from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { forward, parseResolvConf } from "../../src/dns/forward.js";
import { escapeName, QueryLog } from "../../src/dns/log.js";
import { serveTcp } from "../../src/dns/tcp.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const Q = { type: "A", name: "probe.example", class: "IN" } as const;

describe("dns forward(): only the answer to what was asked", () => {
  const socks: dgram.Socket[] = [];
  afterEach(() => socks.splice(0).forEach((s) => s.close()));
  const sock = async () => {
    const s = dgram.createSocket("udp4");
    socks.push(s);
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return s;
  };

  it("fakes from another port, a wrong id and a wrong question are ignored; the upstream's own answer wins", async () => {
    const up = await sock();
    const spoofer = await sock();
    const fake = (id: number, name: string, data: string) => dnsPacket.encode({ type: "response", id, questions: [{ ...Q, name }], answers: [{ type: "A", name, data }] });
    up.on("message", async (m, r) => {
      const q = dnsPacket.decode(m);
      // A local user who found the port floods it, with the right id and question even.
      for (let i = 0; i < 50; i++) spoofer.send(fake(q.id!, Q.name, "6.6.6.6"), r.port, r.address);
      await sleep(50);
      up.send(fake((q.id! + 1) & 0xffff, Q.name, "6.6.6.1"), r.port, r.address);
      up.send(fake(q.id!, "other.example", "6.6.6.2"), r.port, r.address);
      await sleep(100);
      up.send(fake(q.id!, "PROBE.example", "192.0.2.9"), r.port, r.address);
    });
    const got = await forward(Q, undefined, [{ address: "127.0.0.1", port: up.address().port }]);
    expect("reply" in got && dnsPacket.decode(got.reply).answers).toMatchObject([{ data: "192.0.2.9" }]);
  });

  it("each query from a fresh socket with a fresh id", async () => {
    const up = await sock();
    const seen: string[] = [];
    up.on("message", (m, r) => {
      const q = dnsPacket.decode(m);
      seen.push(`${r.port}/${q.id}`);
      up.send(dnsPacket.encode({ type: "response", id: q.id, questions: q.questions }), r.port, r.address);
    });
    for (let i = 0; i < 5; i++) await forward(Q, undefined, [{ address: "127.0.0.1", port: up.address().port }]);
    expect(new Set(seen.map((s) => s.split("/")[0])).size).toBe(5);
    expect(new Set(seen.map((s) => s.split("/")[1])).size).toBeGreaterThan(3);
  });

  it("resolv.conf: every nameserver in order, but 127.0.0.11", () => {
    expect(parseResolvConf("# x\nnameserver 10.0.0.1\nsearch lab\nnameserver 127.0.0.11\n nameserver fd00::1\n")).toEqual([
      { address: "10.0.0.1", port: 53 },
      { address: "fd00::1", port: 53 },
    ]);
  });
});

describe("dns over TCP: limits", () => {
  const servers: net.Server[] = [];
  const clients: net.Socket[] = [];
  afterEach(() => {
    clients.splice(0).forEach((c) => c.destroy());
    servers.splice(0).forEach((s) => s.close());
  });
  const listen = async (handle: (from: string, m: Buffer) => Promise<Buffer | null>, limits = { total: 10, perClient: 4, idleMs: 300, strangers: 10 }) => {
    const s = net.createServer();
    servers.push(s);
    serveTcp(s, handle, () => {}, limits);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    return (s.address() as net.AddressInfo).port;
  };
  const connect = (port: number, localAddress = "127.0.0.1") =>
    new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect({ port, host: "127.0.0.1", localAddress }, () => resolve(c));
      c.on("error", reject);
      clients.push(c);
    });
  const open = (c: net.Socket) => new Promise<boolean>((r) => (c.once("close", () => r(false)), setTimeout(() => r(!c.destroyed), 150)));

  it("at most perClient connections from one address, total from all; idle ones are closed", async () => {
    const port = await listen(async () => Buffer.alloc(12));
    const one = await Promise.all(Array.from({ length: 8 }, () => connect(port)));
    expect((await Promise.all(one.map(open))).filter(Boolean)).toHaveLength(4);
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(port, `127.0.0.${10 + (i % 4)}`).catch(() => null)));
    const still = await Promise.all(many.map((c) => (c ? open(c) : false)));
    expect(still.filter(Boolean).length).toBeLessThanOrEqual(6); // 10 in all, 4 of them the first client's
    await sleep(400);
    expect(one.every((c) => c.destroyed || c.readableEnded)).toBe(true);
  });

  it("pipelined queries never read: the server stops reading instead of queueing answers", async () => {
    let answered = 0;
    const port = await listen(async () => (answered++, Buffer.alloc(60_000)), { total: 10, perClient: 4, idleMs: 5000, strangers: 10 });
    const c = await connect(port);
    c.pause(); // never reads
    const frame = Buffer.from([0, 12, ...Array(12).fill(0)]);
    const chunk = Buffer.concat(Array(4096).fill(frame));
    for (let i = 0; i < 50; i++) c.write(chunk); // 2.8 MB of queries
    await sleep(500);
    // 60 kB answers: the kernel's buffers hold a few dozen; a server that queued them would have answered 200,000.
    expect(answered).toBeLessThan(200);
  });

  it("a handler that throws closes that connection only", async () => {
    const port = await listen(async (_f, m) => {
      if (m[0] === 1) throw new Error("boom");
      return Buffer.from(m);
    });
    const bad = await connect(port);
    bad.write(Buffer.from([0, 12, 1, ...Array(11).fill(0)]));
    expect(await open(bad)).toBe(false);
    const good = await connect(port);
    const reply = new Promise<Buffer>((r) => good.once("data", r));
    good.write(Buffer.from([0, 12, 2, ...Array(11).fill(0)]));
    expect((await reply).length).toBe(14);
  });
});

describe("dns query log", () => {
  const dir = mkdtempSync(join(tmpdir(), "netlab-dnslog-"));
  afterEach(() => rmSync(join(dir, "q.log.1"), { force: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rotates at its cap: never more than twice the cap on disk", () => {
    const f = join(dir, "q.log");
    const log = new QueryLog(f, { maxBytes: 1000, outsidePerSecond: 100 });
    for (let i = 0; i < 200; i++) log.line(`client A name${i} -> 10.0.0.${i % 250}`);
    log.close();
    expect(statSync(f).size).toBeLessThanOrEqual(1000);
    expect(statSync(`${f}.1`).size).toBeLessThanOrEqual(1000);
    expect(readFileSync(f, "utf8")).toMatch(/name199 /);
    rmSync(f);
  });

  it("lines about outside queries: N a second, then one line with how many were left out", () => {
    const f = join(dir, "r.log");
    let now = 1_000_000;
    const log = new QueryLog(f, { maxBytes: 1e6, outsidePerSecond: 3 }, () => now);
    for (let i = 0; i < 10; i++) log.outside(`10.9.9.9 A x${i} REFUSED`);
    now += 1000;
    log.outside("10.9.9.9 A later REFUSED");
    log.close();
    const lines = readFileSync(f, "utf8").trim().split("\n").map((l) => l.replace(/^\S+ /, ""));
    expect(lines).toEqual(["10.9.9.9 A x0 REFUSED", "10.9.9.9 A x1 REFUSED", "10.9.9.9 A x2 REFUSED", expect.stringMatching(/^\(suppressed 7 more lines/), "10.9.9.9 A later REFUSED"]);
    expect(existsSync(`${f}.1`)).toBe(false);
  });

  it("escapes names as dig prints them", () => {
    expect(escapeName("web-1.lab.")).toBe("web-1.lab.");
    expect(escapeName("a\x1b]0;pwn\x07 b\\c\x7f")).toBe("a\\027]0;pwn\\007\\032b\\\\c\\127");
  });
});

describe("dns over TCP: strangers share a few slots (review)", () => {
  it("connections from addresses that are no node beyond the strangers' share are closed; a node still gets in", async () => {
    const net = await import("node:net");
    const { serveTcp } = await import("../../src/dns/tcp.js");
    const server = net.createServer();
    serveTcp(server, async () => null, () => {}, { total: 50, perClient: 50, idleMs: 5000, strangers: 3 }, (from) => from === "127.0.0.9");
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const open = (local: string) => new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: "127.0.0.1", localAddress: local });
      s.once("close", () => resolve(false));
      s.once("connect", () => setTimeout(() => { resolve(!s.destroyed && s.readyState === "open"); }, 150));
      sockets.push(s);
    });
    const sockets: import("node:net").Socket[] = [];
    const strangers = await Promise.all(Array.from({ length: 6 }, (_, i) => open(`127.0.1.${i + 1}`)));
    expect(strangers.filter(Boolean).length).toBe(3);
    expect(await open("127.0.0.9")).toBe(true); // the node's slot was never taken
    for (const s of sockets) s.destroy();
    server.close();
  });
});
