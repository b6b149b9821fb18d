// What the DNS server accepts and how large what it sends may be. The bytes are dns-packet's;
// only the 12-byte header is read here before decoding, to refuse cheaply what cannot be
// answered (a response, another opcode, other than one question) without decoding it.
import dnsPacket from "dns-packet";

export type Packet = dnsPacket.Packet;
export type Question = dnsPacket.Question;
export type Opt = dnsPacket.OptAnswer;
export type Transport = "udp" | "tcp";

export const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODES;

/** A UDP reply without EDNS (RFC 1035 4.2.1). */
export const UDP_PLAIN = 512;
/** The most sent over UDP whatever EDNS asks (DNS flag day 2020): no IP fragments. Also what the server advertises. */
export const UDP_EDNS_MAX = 1232;
/** A TCP message's length is 16 bits (RFC 1035 4.2.2). */
export const TCP_MAX = 65535;

export interface Header {
  id: number;
  response: boolean;
  opcode: number;
  qdcount: number;
}

/** The header's fields, or null when the message is shorter than a header (nothing to answer to). */
export function readHeader(raw: Buffer): Header | null {
  if (raw.length < 12) return null;
  const flags = raw.readUInt16BE(2);
  return { id: raw.readUInt16BE(0), response: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf, qdcount: raw.readUInt16BE(4) };
}

/** The query's EDNS OPT record, if any. */
export function optOf(q: Packet): Opt | undefined {
  return q.additionals?.find((a): a is Opt => a.type === "OPT");
}

/** The largest reply the asker takes: TCP 65,535; UDP 512, or what its OPT record says, between 512 and 1,232. */
export function replyLimit(opt: Opt | undefined, transport: Transport): number {
  if (transport === "tcp") return TCP_MAX;
  return opt ? Math.min(Math.max(opt.udpPayloadSize ?? UDP_PLAIN, UDP_PLAIN), UDP_EDNS_MAX) : UDP_PLAIN;
}

/** The OPT record of a reply to a query that had one (RFC 6891 7): no options, DO echoed. */
export function replyOpt(opt: Opt | undefined): Opt[] {
  if (!opt) return [];
  const flags = (opt.flags ?? 0) & dnsPacket.DNSSEC_OK;
  return [{ type: "OPT", name: ".", udpPayloadSize: UDP_EDNS_MAX, extendedRcode: 0, ednsVersion: 0, flags, flag_do: flags !== 0, options: [] }];
}

/**
 * Whether the decoded question is exactly what the query carried: names that dns-packet cannot
 * give back byte for byte (not UTF-8, a dot inside a label, a compression pointer, a class it
 * does not know) are answered FORMERR rather than echoed changed.
 */
export function questionRoundTrips(raw: Buffer, q: Question): boolean {
  try {
    const again = dnsPacket.encode({ type: "query", id: 0, flags: 0, questions: [q] }).subarray(12);
    return again.length <= 4 + 255 && again.equals(raw.subarray(12, 12 + again.length));
  } catch {
    return false;
  }
}

/**
 * `p` encoded in at most `limit` bytes. When it does not fit, records are left out from the end
 * (additionals but OPT, authorities, then answers) and TC is set (RFC 2181 9), so that a client
 * asks again over TCP; a question too long for the limit is left out too. Never throws for
 * size; throws only when dns-packet cannot encode the records at all.
 */
export function encodeBounded(p: Packet, limit: number): Buffer {
  const full = dnsPacket.encode(p);
  if (full.length <= limit) return full;
  const opt = (p.additionals ?? []).filter((a) => a.type === "OPT");
  // The additional section goes first, without TC (RFC 2181 §9): the answers are whole without it.
  if (opt.length < (p.additionals ?? []).length) {
    const lean = dnsPacket.encode({ ...p, additionals: opt });
    if (lean.length <= limit) return lean;
  }
  const answers = p.answers ?? [];
  const cut = (n: number, questions = p.questions ?? []) =>
    dnsPacket.encode({ ...p, flags: (p.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, questions, answers: answers.slice(0, n), authorities: [], additionals: opt });
  // The most answers that fit: a binary search over how many are kept.
  let lo = 0;
  let hi = answers.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (cut(mid).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  const out = cut(lo);
  return out.length <= limit ? out : cut(0, []);
}
