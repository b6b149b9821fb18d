// One query, one reply: what the lab's DNS server says to a message, whoever sent it. Only a
// lab node gets answers (from its own view, view.ts); anyone else gets REFUSED. What cannot be
// answered is refused as BIND and Unbound refuse it — a response is dropped, another opcode is
// NOTIMP, other than exactly one question (or one dns-packet cannot give back unchanged) is
// FORMERR — and every reply fits what the asker takes (wire.ts), so no input makes one too big
// to send.
import dnsPacket from "dns-packet";
import type { Node } from "../lab/model.js";
import { forward, hostUpstreams, type Upstream } from "./forward.js";
import { escapeName, type DnsLog } from "./log.js";
import { recordAnswer } from "./records.js";
import { ptrAddress, type View } from "./view.js";
import { encodeBounded, optOf, questionRoundTrips, RCODES, readHeader, replyLimit, replyOpt, type Opt, type Packet, type Question, type Rcode, type Transport } from "./wire.js";

export interface AnswerOptions {
  /** How the query came: a UDP reply is at most 512 bytes (or what EDNS says, ≤ 1,232), a TCP one 65,535. */
  transport: Transport;
  log: DnsLog;
  /** The servers names outside the lab are asked of, for this node (default: the host's resolv.conf — Docker's default; a Compose service's `dns:` can give its own). */
  upstreams?: (node: Node) => Upstream[];
}

/**
 * The reply to `raw`, which came from address `from`, or null when nothing should be sent (it is
 * not a query: shorter than a header, or a response). Never rejects for anything in `raw`.
 */
export async function answer(views: View, from: string, raw: Buffer, opts: AnswerOptions): Promise<Buffer | null> {
  const { log } = opts;
  const h = readHeader(raw);
  if (!h || h.response) {
    log.outside(`${from} ${h ? "a response" : `${raw.length} bytes`}: dropped (not a query)`);
    return null;
  }
  const bare = (rcode: Rcode) => encodeBounded({ id: h.id, type: "response", flags: (h.opcode << 11) | RCODES[rcode], questions: [] }, 512);
  if (h.opcode !== 0) return logged(log, `${from} opcode ${h.opcode} -> NOTIMP`, bare("NOTIMP"));
  if (h.qdcount !== 1) return logged(log, `${from} ${h.qdcount} questions -> FORMERR (one question a query)`, bare("FORMERR"));
  let q: Packet;
  try {
    q = dnsPacket.decode(raw);
  } catch (e) {
    return logged(log, `${from} malformed (${(e as Error).message}) -> FORMERR`, bare("FORMERR"));
  }
  const question = q.questions![0];
  if (!questionRoundTrips(raw, question)) return logged(log, `${from} ${escapeName(question.name)}: a name that cannot be echoed unchanged -> FORMERR`, bare("FORMERR"));
  const opt = optOf(q);
  const limit = replyLimit(opt, opts.transport);
  const rd = (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const reply = (rcode: Rcode, answers: dnsPacket.Answer[] = [], extra: dnsPacket.Answer[] = []) =>
    encodeBounded({ id: h.id, type: "response", flags: rd | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode], questions: [question], answers, additionals: [...extra, ...replyOpt(opt)] }, limit);
  const node = views.client(from);
  const { type } = question;
  const name = escapeName(question.name);
  if (!node) {
    log.outside(`${from} ${type} ${name} REFUSED (not a node of this lab)`);
    return reply("REFUSED");
  }
  const who = node.name;
  const rec = recordAnswer(views, node, question.name, type);
  if (rec) {
    // A CNAME out of the lab (an ExternalName): its target asked upstream where the node has a way out, as CoreDNS does.
    const out = rec.outside && (node.upstreams?.length || views.natted(node)) ? await outsideAnswers({ ...question, name: rec.outside }, opt, upstreamsOf(node, opts)) : [];
    log.line(`${who} ${type} ${name} -> ${rec.said}${out.length ? ` (+${out.length} from upstream)` : ""}`);
    return reply("NOERROR", [...rec.answers, ...out], rec.additionals);
  }
  if (type === "A" || type === "AAAA") {
    const addrs = views.lookup(node, question.name, type === "A" ? 4 : 6);
    if (addrs) {
      log.line(`${who} ${type} ${name} -> ${addrs.join(" ") || "(no address of that family)"}`);
      return reply("NOERROR", addrs.map((a) => ({ type, name: question.name, ttl: 0, class: "IN", data: a }) as dnsPacket.Answer));
    }
  } else if (type === "PTR") {
    const addr = ptrAddress(question.name);
    const host = addr ? views.reverse(node, addr) : null;
    if (host) {
      log.line(`${who} PTR ${name} -> ${host}`);
      return reply("NOERROR", [{ type: "PTR", name: question.name, ttl: 0, class: "IN", data: host }]);
    }
  }
  if (views.knows(node, question.name)) {
    log.line(`${who} ${type} ${name} -> (no ${type} record)`);
    return reply("NOERROR");
  }
  // A node's own upstreams (Docker's --dns) are asked whatever its networks; the host's only from a NAT network, which has a way out.
  if (node.upstreams?.length || views.natted(node)) return forwarded(h.id, question, opt, limit, upstreamsOf(node, opts), (line) => log.line(`${who} ${type} ${name} -> ${line}`), reply);
  log.line(`${who} ${type} ${name} -> NXDOMAIN`);
  return reply("NXDOMAIN");
}

/** The servers asked for a node's outside names: its own (`dns: { upstreams }`), else the option's, else the host's resolv.conf. */
function upstreamsOf(node: Node, opts: AnswerOptions): Upstream[] {
  if (node.upstreams?.length) return node.upstreams.map((address) => ({ address, port: 53 }));
  return opts.upstreams ? opts.upstreams(node) : hostUpstreams();
}

/** The answers an upstream gives for a question; none when no upstream answered. */
async function outsideAnswers(question: Question, opt: Opt | undefined, upstreams: Upstream[]): Promise<dnsPacket.Answer[]> {
  const got = await forward(question, opt, upstreams);
  if ("failed" in got) return [];
  try {
    return dnsPacket.decode(Buffer.from(got.reply)).answers ?? [];
  } catch {
    return [];
  }
}

function logged(log: DnsLog, line: string, b: Buffer): Buffer {
  log.outside(line);
  return b;
}

/** The upstream's reply with the client's id, within the client's size; SERVFAIL when no upstream answered. */
async function forwarded(id: number, question: Question, opt: Opt | undefined, limit: number, upstreams: Upstream[], log: (line: string) => void, reply: (rcode: Rcode) => Buffer): Promise<Buffer> {
  const got = await forward(question, opt, upstreams);
  if ("failed" in got) {
    log(`SERVFAIL (no upstream answered: ${got.failed})`);
    return reply("SERVFAIL");
  }
  log(`forwarded to ${got.server.address}${got.skipped ? ` (after ${got.skipped})` : ""}`);
  let out: Buffer = Buffer.from(got.reply);
  if (out.length > limit) {
    // Larger than the upstream was told (a TCP client's 65,535 is not asked upstream): cut to fit.
    try {
      out = encodeBounded(dnsPacket.decode(out), limit);
    } catch {
      return reply("SERVFAIL");
    }
  }
  out.writeUInt16BE(id, 0); // the header's first field: the client's id in place of the forward's own
  return out;
}
