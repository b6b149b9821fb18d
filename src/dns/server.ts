// The lab's DNS server — Docker's embedded DNS, for a lab: one process in the lab's host
// namespace, listening on UDP and TCP 53 at the gateway of each network with names; nodes reach it
// as 127.0.0.11 (a DNAT in their own namespace). It answers from the asking node's view
// (view.ts), rotates several addresses under one name, answers PTR for lab addresses, asks the
// host's resolvers for other names when the node is on a NAT network (NXDOMAIN at once
// otherwise), and logs every query to the lab's state directory (`netlab logs LAB dns`).
// Wire format by dns-packet, a well-used library: netlab parses and builds no DNS bytes itself.
import dgram from "node:dgram";
import { appendFileSync, readFileSync } from "node:fs";
import net from "node:net";
import dnsPacket from "dns-packet";
import type { Lab } from "../lab/model.js";
import { dnsServers } from "./servers.js";
import { ptrAddress, Views } from "./view.js";

type Packet = dnsPacket.Packet;
const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

function upstreams(): string[] {
  try {
    return readFileSync("/etc/resolv.conf", "utf8")
      .split("\n")
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((x): x is string => !!x && x !== "127.0.0.11");
  } catch {
    return [];
  }
}

/** Asks the host's first resolver (UDP, 2 s); null when none answers. */
function forward(query: Buffer, servers: string[]): Promise<Buffer | null> {
  const server = servers[0];
  if (!server) return Promise.resolve(null);
  return new Promise((resolve) => {
    const sock = dgram.createSocket(server.includes(":") ? "udp6" : "udp4");
    const done = (b: Buffer | null) => {
      clearTimeout(timer);
      sock.close();
      resolve(b);
    };
    const timer = setTimeout(() => done(null), 2000);
    sock.on("message", (m) => done(m));
    sock.on("error", () => done(null));
    sock.send(query, 53, server, (err) => err && done(null)); // no route out (a sandbox): at once
  });
}

export async function answer(views: Views, from: string, raw: Buffer, log: (line: string) => void, up = upstreams()): Promise<Buffer> {
  const q = dnsPacket.decode(raw) as Packet;
  const question = q.questions?.[0];
  // dns-packet carries the response code in the low bits of the flags.
  const reply = (rcode: keyof typeof RCODES, answers: dnsPacket.Answer[] = []) =>
    dnsPacket.encode({ id: q.id, type: "response", flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode], questions: q.questions, answers } as Packet);
  const node = views.client(from);
  const who = node ? node.name : from;
  if (!question) return reply("SERVFAIL");
  const { name, type } = question;
  if (!node) {
    log(`${who} ${type} ${name} REFUSED (not a node of this lab)`);
    return reply("REFUSED");
  }
  if (type === "A" || type === "AAAA") {
    const addrs = views.lookup(node, name, type === "A" ? 4 : 6);
    if (addrs) {
      log(`${who} ${type} ${name} -> ${addrs.join(" ") || "(no address of that family)"}`);
      return reply("NOERROR", addrs.map((a) => ({ type, name, ttl: 0, class: "IN", data: a }) as dnsPacket.Answer));
    }
  } else if (type === "PTR") {
    const addr = ptrAddress(name);
    const host = addr ? views.reverse(node, addr) : null;
    if (host) {
      log(`${who} PTR ${name} -> ${host}`);
      return reply("NOERROR", [{ type: "PTR", name, ttl: 0, class: "IN", data: host }]);
    }
  } else if (views.knows(node, name)) {
    log(`${who} ${type} ${name} -> (no ${type} record)`);
    return reply("NOERROR");
  }
  if (views.natted(node)) {
    const got = await forward(raw, up);
    log(`${who} ${type} ${name} -> ${got ? `forwarded to ${up[0]}` : "SERVFAIL (no upstream answered)"}`);
    return got ?? reply("SERVFAIL");
  }
  log(`${who} ${type} ${name} -> NXDOMAIN`);
  return reply("NXDOMAIN");
}

/** Serves until SIGTERM. */
export async function serveDns(lab: Lab, logFile: string): Promise<void> {
  const views = new Views(lab);
  const log = (line: string) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
  const closers: (() => void)[] = [];
  for (const addr of dnsServers(lab)) {
    const udp = dgram.createSocket(addr.includes(":") ? "udp6" : "udp4");
    udp.on("message", (msg, rinfo) => {
      answer(views, rinfo.address, msg, log).then((b) => udp.send(b, rinfo.port, rinfo.address), () => {});
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(53, addr, () => resolve());
    });
    const tcp = net.createServer((s) => {
      let buf = Buffer.alloc(0);
      s.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const msg = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          answer(views, s.remoteAddress ?? "", msg, log).then((b) => {
            const out = Buffer.alloc(2 + b.length);
            out.writeUInt16BE(b.length, 0);
            b.copy(out, 2);
            s.write(out);
          }, () => s.destroy());
        }
      });
      s.on("error", () => {});
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(53, addr, () => resolve());
    });
    closers.push(() => udp.close(), () => tcp.close());
    log(`listening on ${addr}:53 (udp, tcp)`);
  }
  await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  for (const c of closers) c();
}
