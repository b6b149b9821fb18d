// The lab DNS server's answers to hostile and ordinary queries, without sockets or root:
// answer() and the reply bounds of wire.ts.
import dgram from "node:dgram";
import dnsPacket from "dns-packet";
import { afterEach, describe, expect, it } from "vitest";
import { answer } from "../../src/dns/answer.js";
import { type DnsLog } from "../../src/dns/log.js";
import { Views } from "../../src/dns/view.js";
import { labFromText } from "../../src/lab/load.js";

// 40 backends under one alias: 40 A records do not fit in 512 bytes.
const LAB = labFromText(`
name: dnsu
networks:
  front: { subnet: 10.90.0.0/16, nat: true }
  back: { subnet: 10.91.0.0/24 }
nodes:
  client: { networks: [front] }
  inside: { networks: [back] }
${Array.from({ length: 40 }, (_, i) => `  w${i}: { networks: { front: { aliases: [many] } } }`).join("\n")}
`);
const views = new Views(LAB);
const CLIENT = "10.90.0.2";
const INSIDE = "10.91.0.2";

function recorder(): DnsLog & { lines: string[]; outsides: string[] } {
  const r = { lines: [] as string[], outsides: [] as string[], line: (t: string) => r.lines.push(t), outside: (t: string) => r.outsides.push(t) };
  return r;
}
const query = (name: string, type: dnsPacket.RecordType = "A", extra: Partial<dnsPacket.Packet> = {}) =>
  dnsPacket.encode({ type: "query", id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }], ...extra });
const ask = (raw: Buffer, from = CLIENT, transport: "udp" | "tcp" = "udp", log = recorder(), upstreams?: { address: string; port: number }[]) =>
  answer(views, from, raw, { transport, log, upstreams: upstreams && (() => upstreams) });
const rcode = (b: Buffer) => b.readUInt16BE(2) & 0xf;

describe("dns answer(): what cannot be answered", () => {
  it("301 questions (300 of them compression pointers): FORMERR in one small reply, not 65,536 bytes", async () => {
    // A 245-byte name, then 300 pointers to it: echoed, 75 kB of questions.
    const long = Array.from({ length: 4 }, (_, i) => String(i).repeat(60)).join(".");
    const first = dnsPacket.encode({ type: "query", id: 7, questions: [{ type: "A", name: long, class: "IN" }] });
    const raw = Buffer.concat([first, Buffer.alloc(300 * 6)]);
    raw.writeUInt16BE(301, 4);
    for (let i = 0; i < 300; i++) Buffer.from([0xc0, 0x0c, 0, 1, 0, 1]).copy(raw, first.length + i * 6);
    for (const transport of ["udp", "tcp"] as const) {
      const b = (await ask(raw, "10.99.9.9", transport))!;
      expect(b.length).toBeLessThanOrEqual(512);
      expect(rcode(b)).toBe(1); // FORMERR
      expect(dnsPacket.decode(b)).toMatchObject({ id: 7, type: "response", questions: [] });
    }
  });

  it("no question, a response, a short message, another opcode, garbage", async () => {
    const none = dnsPacket.encode({ type: "query", id: 9, questions: [] });
    expect(rcode((await ask(none))!)).toBe(1);
    expect(await ask(dnsPacket.encode({ type: "response", id: 9, questions: [{ type: "A", name: "client", class: "IN" }] }))).toBeNull();
    expect(await ask(Buffer.from([1, 2, 3]))).toBeNull();
    const notify = query("client");
    notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
    expect(rcode((await ask(notify))!)).toBe(4); // NOTIMP
    const cut = query("client").subarray(0, 20);
    expect(rcode((await ask(cut))!)).toBe(1);
  });

  it("a name dns-packet cannot echo unchanged (not UTF-8) is FORMERR, not a changed question", async () => {
    const raw = query("xxxx.example");
    raw.fill(0xff, 13, 17);
    const b = (await ask(raw))!;
    expect(rcode(b)).toBe(1);
  });

  it("a query from outside the lab is REFUSED, logged as outside (rate-limited), its name escaped", async () => {
    const log = recorder();
    const b = (await ask(query("evil\x1b[2J\x07\r\nforged line"), "10.99.9.9", "udp", log))!;
    expect(rcode(b)).toBe(5);
    expect(log.lines).toEqual([]);
    expect(log.outsides).toEqual(["10.99.9.9 A evil\\027[2J\\007\\013\\010forged\\032line REFUSED (not a node of this lab)"]);
  });
});

describe("dns answer(): replies fit what the asker takes", () => {
  it("40 addresses: UDP cut to 512 bytes with TC; EDNS up to its size (at most 1,232); TCP all of them", async () => {
    const udp = (await ask(query("many")))!;
    expect(udp.length).toBeLessThanOrEqual(512);
    const u = dnsPacket.decode(udp);
    expect(u.flag_tc).toBe(true);
    expect(u.answers!.length).toBeGreaterThan(10);
    const edns = (await ask(query("many", "A", { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096 } as dnsPacket.Answer] })))!;
    expect(edns.length).toBeLessThanOrEqual(1232);
    expect(dnsPacket.decode(edns).answers!.filter((a) => a.type === "A")).toHaveLength(40);
    const tcp = dnsPacket.decode((await ask(query("many"), CLIENT, "tcp"))!);
    expect({ tc: tcp.flag_tc, n: tcp.answers!.length }).toEqual({ tc: false, n: 40 });
  });

  it("ordinary answers are unchanged: id, the question as asked, RD copied", async () => {
    const log = recorder();
    const r = dnsPacket.decode((await ask(query("W1"), CLIENT, "udp", log))!);
    expect(r).toMatchObject({ id: 4242, flag_rd: true, flag_ra: true, questions: [{ name: "W1", type: "A" }], answers: [{ name: "W1", data: "10.90.0.4" }] });
    expect(log.lines).toEqual(["client A W1 -> 10.90.0.4"]);
  });
});

describe("dns answer(): forwarding for a node on a NAT network", () => {
  const socks: dgram.Socket[] = [];
  afterEach(() => socks.splice(0).forEach((s) => s.close()));
  const upstream = async (reply: (q: dnsPacket.DecodedPacket) => dnsPacket.Packet | null) => {
    const s = dgram.createSocket("udp4");
    socks.push(s);
    s.on("message", (m, r) => {
      const out = reply(dnsPacket.decode(m));
      if (out) s.send(dnsPacket.encode(out), r.port, r.address);
    });
    await new Promise<void>((res) => s.bind(0, "127.0.0.1", () => res()));
    return { address: "127.0.0.1", port: s.address().port };
  };
  const ok = (q: dnsPacket.DecodedPacket): dnsPacket.Packet => ({ type: "response", id: q.id, questions: q.questions, answers: [{ type: "A", name: q.questions![0].name, data: "192.0.2.7" }] });

  it("the client's id comes back; a node on no NAT network gets NXDOMAIN without asking", async () => {
    const up = await upstream(ok);
    const b = (await ask(query("outside.example"), CLIENT, "udp", recorder(), [up]))!;
    expect(dnsPacket.decode(b)).toMatchObject({ id: 4242, answers: [{ data: "192.0.2.7" }] });
    expect(rcode((await ask(query("outside.example"), INSIDE, "udp", recorder(), [up]))!)).toBe(3);
  });

  it("a dead first upstream (port unreachable) and a SERVFAIL one: the next answers", async () => {
    const dead = await upstream(() => null);
    socks.pop()!.close(); // nothing listens there now: ICMP port unreachable
    const failing = await upstream((q) => ({ type: "response", id: q.id, flags: 2, questions: q.questions }));
    const live = await upstream(ok);
    const log = recorder();
    const t0 = Date.now();
    const b = (await ask(query("outside.example"), CLIENT, "udp", log, [dead, failing, live]))!;
    expect(Date.now() - t0).toBeLessThan(500);
    expect(dnsPacket.decode(b).answers).toMatchObject([{ data: "192.0.2.7" }]);
    expect(log.lines[0]).toMatch(/forwarded to 127\.0\.0\.1/);
  });

  it("all upstreams silent: SERVFAIL inside the client's 5 s", async () => {
    const silent = [await upstream(() => null), await upstream(() => null), await upstream(() => null), await upstream(() => null)];
    const log = recorder();
    const t0 = Date.now();
    const b = (await ask(query("outside.example"), CLIENT, "udp", log, silent))!;
    const ms = Date.now() - t0;
    expect(rcode(b)).toBe(2);
    expect(ms).toBeGreaterThan(2900);
    expect(ms).toBeLessThan(3500);
    expect(log.lines[0]).toMatch(/SERVFAIL \(no upstream answered: .*no answer.*not tried \(out of time\)/);
  }, 10_000);
});

describe("dns answer(): the name forms Docker's embedded DNS answers (issue 17)", () => {
  const decode = (b: Buffer | null) => dnsPacket.decode(b!);
  it("NAME.NETWORK for a network the asker is on resolves; on another network it does not", async () => {
    const a = decode(await ask(query("w1.front")));
    expect(a.answers?.map((x) => x.data)).toEqual(["10.90.0.4"]);
    expect(decode(await ask(query("W1.FRONT.")))?.answers?.length).toBe(1); // case and a trailing dot do not matter
    expect(rcode((await ask(query("inside.back")))!)).toBe(3); // client is not on back: NXDOMAIN
    expect(decode(await ask(query("inside.back"), INSIDE)).answers?.map((x) => x.data)).toEqual(["10.91.0.2"]);
  });
  it("PTR answers NAME.NETWORK", async () => {
    const p = decode(await ask(query("4.0.90.10.in-addr.arpa", "PTR")));
    expect(p.answers?.map((x) => x.data)).toEqual(["w1.front"]);
  });
});

describe("dns answer(): a node's own upstreams (Docker's --dns on a user-defined network)", () => {
  const own = labFromText(`
name: dnsup
networks:
  plain: { subnet: 10.92.0.0/24 }
nodes:
  a: { networks: [plain], dns: { upstreams: [127.0.0.7] } }
  b: { networks: [plain] }
`);
  const v = new Views(own);
  it("are asked for outside names even off a NAT network; the node keeps 127.0.0.11", async () => {
    const log = recorder();
    const b = await answer(v, "10.92.0.2", query("example.org"), { transport: "udp", log });
    expect(rcode(b!)).toBe(2); // nothing listens at 127.0.0.7:53: SERVFAIL, after asking it
    expect(log.lines.join("\n")).toMatch(/a A example\.org -> SERVFAIL \(no upstream answered: .*127\.0\.0\.7/);
    const none = recorder();
    expect(rcode((await answer(v, "10.92.0.3", query("example.org"), { transport: "udp", log: none }))!)).toBe(3); // b: NXDOMAIN at once
    expect(own.nodes[0].resolv).toBeUndefined();
  });
});
