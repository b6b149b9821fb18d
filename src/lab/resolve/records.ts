// Pass: records — the DNS records of `records:`, checked as a zone file's lines would be, for the
// lab's DNS servers to answer beside the nodes' names (dns/view.ts).
import type { KeyPath } from "../../errors.js";
import { formatAddr, parseAddr } from "../../net/ip.js";
import { namesOf } from "../model.js";
import type { RawRecord } from "../schema.js";
import type { Ctx } from "./context.js";
import { DNS_NAME } from "./util.js";

const lower = (n: string) => n.toLowerCase().replace(/\.$/, "");

export function recordsPass(c: Ctx): void {
  const byName = new Map<string, { type: string; path: KeyPath }[]>();
  (c.raw.records ?? []).forEach((r, i) => {
    const path: KeyPath = ["records", i];
    const name = lower(r.name);
    if (!DNS_NAME.test(name)) return c.P.add([...path, "name"], `"${r.name}" is not a DNS name`, "labels of letters, digits, '-' and '_', e.g. web.default.svc.cluster.local");
    const networks = r.networks ?? [];
    networks.forEach((n, j) => {
      const net = c.networks.find((x) => x.name === n);
      if (!net) c.P.add([...path, "networks", j], `no network named "${n}"`, `networks: ${c.netNames.join(", ") || "none"}`);
      else if (!net.dns) c.P.add([...path, "networks", j], `network ${n} has no names (dns: false): no DNS server answers there`, "leave it out, or give the network dns: true");
    });
    const list = Array.isArray(r.data) ? r.data : [r.data];
    list.forEach((d, j) => {
      const at: KeyPath = Array.isArray(r.data) ? [...path, "data", j] : [...path, "data"];
      const data = checked(c, r, d, at);
      if (data !== null) c.records.push({ name, type: r.type, data, networks });
    });
    (byName.get(name) ?? byName.set(name, []).get(name)!).push({ type: r.type, path });
    if (r.type === "CNAME" && list.length > 1) c.P.add([...path, "data"], `a name has one CNAME, and ${name} is given ${list.length}`, "keep one target");
  });
  // RFC 1034 §3.6.2: a name with a CNAME has no other data — nor is it a node's name.
  const taken = nodeNames(c);
  for (const [name, rs] of byName) {
    const at = rs.find((x) => x.type === "CNAME");
    if (!at) continue;
    if (rs.length > 1) c.P.add([...at.path, "type"], `${name} has a CNAME and other records (${rs.filter((x) => x !== at).map((x) => x.type).join(", ")})`, "a name with a CNAME has no other data: give the others another name");
    if (taken.has(name)) c.P.add([...at.path, "name"], `${name} is ${taken.get(name)} already: a CNAME would hide it`, "give the record another name");
  }
  cnameChains(c, byName);
}

/** Every name the lab's DNS servers answer for nodes: names, aliases, NAME.NETWORK, hosts: entries → whose. */
function nodeNames(c: Ctx): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of c.nodes.values()) {
    for (const x of namesOf(n.name)) out.set(x, `node ${n.name}'s name`);
    for (const i of n.intfs) if (i.kind !== "veth") for (const x of [...namesOf(n.name), ...(i.aliases ?? [])]) { out.set(`${x}.${i.network}`, `node ${n.name}'s name on network ${i.network}`); if (x !== n.name) out.set(x, `an alias of node ${n.name}`); }
    for (const [, h] of n.extraHosts) out.set(h.toLowerCase(), `a hosts: entry of node ${n.name}`);
  }
  return out;
}

/** A CNAME chain that comes back on itself is refused; so is an SRV record whose target is a CNAME (RFC 2782). */
function cnameChains(c: Ctx, byName: Map<string, { type: string; path: KeyPath }[]>): void {
  const target = new Map(c.records.filter((r) => r.type === "CNAME").map((r) => [r.name, r.data]));
  for (const [start] of target) {
    const seen = [start];
    for (let n = target.get(start); n !== undefined; n = target.get(n)) {
      if (seen.includes(n)) {
        // Said once, at the loop's first name in order.
        if (n === start && seen.every((x) => x >= start)) c.P.add([...byName.get(start)!.find((x) => x.type === "CNAME")!.path, "data"], `CNAME loop: ${[...seen, n].join(" -> ")}`, "a CNAME ends at a name with addresses");
        break;
      }
      seen.push(n);
    }
  }
  c.records.forEach((r) => {
    const t = r.type === "SRV" ? r.data.split(" ")[3] : null;
    const at = t && byName.get(r.name)?.find((x) => x.type === "SRV");
    if (t && target.has(t) && at) c.P.add([...at.path, "data"], `the target of an SRV record is a name with addresses, and ${t} is a CNAME (RFC 2782)`, `point it at ${target.get(t)}`);
  });
}

/** The record's data in its one spelling, or null with the problem said. */
function checked(c: Ctx, r: RawRecord, d: string, at: KeyPath): string | null {
  const bad = (message: string, hint: string) => (c.P.add(at, message, hint), null);
  switch (r.type) {
    case "A":
    case "AAAA": {
      const a = parseAddr(d);
      const fam = r.type === "A" ? 4 : 6;
      if (!a || a.family !== fam) return bad(`"${d}" is not an IPv${fam} address`, r.type === "A" ? "e.g. 10.96.0.10" : "e.g. fd00:96::10");
      return formatAddr(a.family, a.addr);
    }
    case "CNAME":
      return DNS_NAME.test(lower(d)) ? lower(d) : bad(`"${d}" is not a DNS name`, "a CNAME's data is the name it stands for, e.g. db.example.com");
    case "SRV": {
      const m = /^(\d+)\s+(\d+)\s+(\d+)\s+(\S+)$/.exec(d.trim());
      if (!m || [m[1], m[2], m[3]].some((x) => Number(x) > 65535) || !DNS_NAME.test(lower(m[4])))
        return bad(`"${d}" is not SRV data`, "PRIORITY WEIGHT PORT TARGET, e.g. 0 100 80 web.default.svc.cluster.local");
      return `${Number(m[1])} ${Number(m[2])} ${Number(m[3])} ${lower(m[4])}`;
    }
    case "TXT":
      return Buffer.byteLength(d) <= 255 ? d : bad(`a TXT string is at most 255 bytes, this one ${Buffer.byteLength(d)}`, "split it into several (data: [..., ...])");
  }
}
