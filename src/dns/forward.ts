// Names the lab does not know, asked upstream for nodes on a NAT network — as Docker's embedded
// DNS does: each upstream in turn (a dead first one costs a second, not the lookup), all of it
// inside the client's own wait (glibc and dig give a server 5 s), an upstream's SERVFAIL or
// REFUSED meaning "try the next". What comes back is believed only when it is the answer to
// what was asked: a fresh socket per query on a port the kernel picks at random, connected to
// the server asked (the kernel drops datagrams from anyone else), a random id, and a reply
// that must carry that id and the same question — else it is ignored and the wait goes on.
import dgram from "node:dgram";
import { randomBelow } from "../digest.js";
import { readFileSync, statSync } from "node:fs";
import dnsPacket from "dns-packet";
import { RCODES, replyOpt, UDP_EDNS_MAX, type Opt, type Question } from "./wire.js";

/** A server to forward to: an address and a port (53 from resolv.conf; any port in tests). */
export interface Upstream {
  address: string;
  port: number;
}

export interface ForwardLimits {
  /** The whole forward, over all upstreams, in ms: under the client's 5 s. */
  totalMs: number;
  /** The least one upstream is given, in ms (with fewer upstreams each gets totalMs / n). */
  minTryMs: number;
  /** Forwards at once (each holds a socket); past it the answer is SERVFAIL at once. */
  inFlight: number;
}

export const FORWARD_LIMITS: ForwardLimits = { totalMs: 3000, minTryMs: 1000, inFlight: 256 };

/** The nameservers of a resolv.conf, in order, but 127.0.0.11 (which is this server, seen from a node). */
export function parseResolvConf(text: string): Upstream[] {
  return text
    .split("\n")
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((x): x is string => !!x && x !== "127.0.0.11")
    .map((address) => ({ address, port: 53 }));
}

let cached: { at: number; mtime: number; list: Upstream[] } | null = null;

/** The host's resolvers (/etc/resolv.conf of the server's mount namespace), re-read when it changes, at most once a second. */
export function hostUpstreams(file = "/etc/resolv.conf"): Upstream[] {
  const now = Date.now();
  if (cached && now - cached.at < 1000) return cached.list;
  try {
    const mtime = statSync(file).mtimeMs;
    if (cached?.mtime !== mtime) cached = { at: now, mtime, list: parseResolvConf(readFileSync(file, "utf8")) };
    cached.at = now;
    return cached.list;
  } catch {
    return [];
  }
}

/** The reply and who gave it (with why the upstreams before it did not), or why none did. */
export type Forwarded = { reply: Buffer; server: Upstream; skipped?: string } | { failed: string };

let inFlight = 0;

/**
 * Asks `question` of each upstream in turn until one answers other than SERVFAIL/REFUSED.
 * `opt` is the client's OPT record (its size goes upstream, at most 1,232). Resolves to the
 * upstream's reply (its id is the forward's own: the caller puts the client's back) or to why
 * none answered. Never rejects.
 */
export async function forward(question: Question, opt: Opt | undefined, upstreams: Upstream[], limits: ForwardLimits = FORWARD_LIMITS): Promise<Forwarded> {
  if (!upstreams.length) return { failed: "no upstream server (resolv.conf lists none)" };
  if (inFlight >= limits.inFlight) return { failed: `${limits.inFlight} forwards already waiting` };
  inFlight++;
  try {
    const end = Date.now() + limits.totalMs;
    const per = Math.max(limits.minTryMs, Math.floor(limits.totalMs / upstreams.length));
    const why: string[] = [];
    for (const server of upstreams) {
      const ms = Math.min(per, end - Date.now());
      if (ms <= 0) {
        why.push(`${server.address}: not tried (out of time)`);
        continue;
      }
      const got = await ask(question, opt, server, ms);
      if ("reply" in got) return why.length ? { ...got, skipped: why.join(", ") } : got;
      why.push(`${server.address}: ${got.failed}`);
    }
    return { failed: why.join(", ") };
  } finally {
    inFlight--;
  }
}

/** One upstream, one query, until its answer or `ms`. */
function ask(question: Question, opt: Opt | undefined, server: Upstream, ms: number): Promise<Forwarded> {
  const id = randomBelow(65536);
  const query = dnsPacket.encode({
    type: "query",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [question],
    additionals: opt ? [{ ...replyOpt(opt)[0], udpPayloadSize: Math.min(opt.udpPayloadSize ?? UDP_EDNS_MAX, UDP_EDNS_MAX) }] : [],
  });
  return new Promise((resolve) => {
    const sock = dgram.createSocket(server.address.includes(":") ? "udp6" : "udp4");
    let over = false;
    const done = (r: Forwarded) => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ failed: "no answer" }), ms);
    sock.on("error", (e: NodeJS.ErrnoException) => done({ failed: e.code === "ECONNREFUSED" ? "port unreachable" : (e.code ?? e.message) }));
    sock.on("message", (m, rinfo) => {
      // The kernel already drops what does not come from the connected address and port.
      if (rinfo.port !== server.port || rinfo.address.replace(/%.*$/, "") !== server.address.replace(/%.*$/, "")) return;
      const rcode = answers(m, id, question);
      if (rcode === null) return; // not the answer to this query: keep waiting
      if (rcode === RCODES.SERVFAIL || rcode === RCODES.REFUSED) done({ failed: rcode === RCODES.SERVFAIL ? "SERVFAIL" : "REFUSED" });
      else done({ reply: m, server });
    });
    sock.connect(server.port, server.address, (err?: Error) => {
      if (err) return done({ failed: err.message });
      sock.send(query, (e) => e && done({ failed: e.message })); // no route out (a sandbox): at once
    });
  });
}

/** The reply's rcode (a number) when `m` answers query `id` for `question`; null when it does not. */
function answers(m: Buffer, id: number, question: Question): number | null {
  try {
    const r = dnsPacket.decode(m);
    const q = r.questions?.[0];
    const same = r.type === "response" && r.id === id && r.questions?.length === 1 && q!.type === question.type && q!.class === question.class && q!.name.toLowerCase() === question.name.toLowerCase();
    return same ? (r.flags ?? 0) & 0xf : null;
  } catch {
    return null;
  }
}
