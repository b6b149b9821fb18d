// Answers from the lab's `records:` (dns/view.ts keeps who sees which): CNAME chains followed as
// far as the asker's view goes (CoreDNS answers a Kubernetes ExternalName so), SRV with its
// targets' addresses in the additional section (as `dig` shows them), TXT.
import type dnsPacket from "dns-packet";
import type { DnsRecord, Node } from "../lab/model.js";
import type { View } from "./view.js";

/** A CNAME chain longer than this is a loop, or near enough (BIND stops at 16). */
const MAX_HOPS = 8;

export interface RecordAnswer {
  answers: dnsPacket.Answer[];
  additionals: dnsPacket.Answer[];
  /** For the log: what was answered, in one line. */
  said: string;
  /** The last name of a CNAME chain when the asker's view ends there (an outside name, to ask upstream). */
  outside?: string;
}

const rr = (name: string, r: DnsRecord): dnsPacket.Answer => {
  if (r.type === "SRV") {
    const [priority, weight, port, target] = r.data.split(" ");
    return { type: "SRV", name, ttl: 0, class: "IN", data: { priority: Number(priority), weight: Number(weight), port: Number(port), target } };
  }
  if (r.type === "TXT") return { type: "TXT", name, ttl: 0, class: "IN", data: r.data };
  return { type: r.type, name, ttl: 0, class: "IN", data: r.data } as dnsPacket.Answer;
};

const addrRRs = (views: View, node: Node, name: string, type: "A" | "AAAA"): dnsPacket.Answer[] =>
  (views.lookup(node, name, type === "A" ? 4 : 6) ?? []).map((a) => ({ type, name, ttl: 0, class: "IN", data: a }) as dnsPacket.Answer);

/**
 * What `records:` answer to a question from `node`, or null when they hold nothing for it: a
 * CNAME (for any type but CNAME) and what its target has in the node's view; SRV, TXT, CNAME
 * records themselves. A/AAAA records are answered with the nodes' names (view.ts merges them).
 */
export function recordAnswer(views: View, node: Node, qname: string, type: string): RecordAnswer | null {
  if (type !== "CNAME" && views.records(node, qname, "CNAME").length) return chase(views, node, qname, type);
  if (type !== "SRV" && type !== "TXT" && type !== "CNAME") return null;
  const rs = views.records(node, qname, type);
  if (!rs.length) return null;
  const additionals = type === "SRV" ? rs.flatMap((r) => [...addrRRs(views, node, r.data.split(" ")[3], "A"), ...addrRRs(views, node, r.data.split(" ")[3], "AAAA")]) : [];
  return { answers: rs.map((r) => rr(qname, r)), additionals, said: rs.map((r) => r.data).join(", ") };
}

/** A CNAME chain from `qname`, and what its last name has of `type` in the node's view. */
function chase(views: View, node: Node, qname: string, type: string): RecordAnswer {
  const answers: dnsPacket.Answer[] = [];
  const targets: string[] = [];
  const seen = new Set<string>();
  let name = qname;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const c = views.records(node, name, "CNAME")[0];
    if (!c || seen.has(c.name)) break;
    seen.add(c.name);
    answers.push(rr(name, c));
    targets.push(c.data);
    name = c.data;
  }
  const said = (t: DnsRecord | string) => (typeof t === "string" ? t : t.data);
  let tail: (DnsRecord | string)[] = [];
  if (type === "A" || type === "AAAA") tail = views.lookup(node, name, type === "A" ? 4 : 6) ?? [];
  else if (type === "SRV" || type === "TXT") tail = views.records(node, name, type);
  const rrs = tail.map((t) => (typeof t === "string" ? ({ type, name, ttl: 0, class: "IN", data: t } as dnsPacket.Answer) : rr(name, t)));
  const known = views.knows(node, name);
  return { answers: [...answers, ...rrs], additionals: [], said: `CNAME ${targets.join(" -> ")}${tail.length ? ` ${tail.map(said).join(" ")}` : ""}`, ...(known ? {} : { outside: name }) };
}
