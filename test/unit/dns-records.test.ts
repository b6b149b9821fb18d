// The lab's `records:` (issue 20, item 4): A/AAAA beside the nodes' names, CNAME chains, SRV with
// additional addresses, TXT, PTR of a record's address, who sees what — answered without sockets.
import dnsPacket from "dns-packet";
import { describe, expect, it } from "vitest";
import { answer } from "../../src/dns/answer.js";
import { Views } from "../../src/dns/view.js";
import { labFromText } from "../../src/lab/load.js";
import { resolvConf } from "../../src/plan/name-files.js";
import { problems } from "./helpers.js";

const LAB = labFromText(`
name: recs
networks:
  front: { subnet: 10.80.0.0/24 }
  back: { subnet: 10.81.0.0/24 }
nodes:
  client: { networks: [front], dns: { search: [default.svc.cluster.local, svc.cluster.local], options: [ndots:5] } }
  db: { networks: [front, back] }
  inside: { networks: [back] }
records:
  - { name: web.default.svc.cluster.local, type: A, data: [10.96.0.20, 10.96.0.21] }
  - { name: _http._tcp.web.default.svc.cluster.local, type: SRV, data: "0 100 80 web.default.svc.cluster.local." }
  - { name: Store.Example, type: CNAME, data: db }
  - { name: alias.example, type: CNAME, data: store.example }
  - { name: out.example, type: CNAME, data: www.example.org }
  - { name: lab.example, type: TXT, data: hello }
  - { name: secret.example, type: A, data: 10.81.0.99, networks: [back] }
`);
const views = new Views(LAB);
const log = { lines: [] as string[], line(t: string) { this.lines.push(t); }, outside() {} };
const ask = async (name: string, type: dnsPacket.RecordType, from = "10.80.0.2") => {
  const raw = dnsPacket.encode({ type: "query", id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] });
  const p = dnsPacket.decode((await answer(views, from, raw, { transport: "udp", log, upstreams: () => [] }))!);
  return { rcode: p.rcode, answers: (p.answers ?? []).map((a) => `${a.type} ${a.name} ${JSON.stringify((a as { data: unknown }).data)}`), additionals: (p.additionals ?? []).filter((a) => a.type !== "OPT").map((a) => `${a.type} ${(a as { data: unknown }).data}`) };
};

describe("records: answered by the lab's DNS server", () => {
  it("A records answer in turn; SRV gives the targets' addresses as additionals", async () => {
    expect((await ask("web.default.svc.cluster.local", "A")).answers).toEqual(['A web.default.svc.cluster.local "10.96.0.20"', 'A web.default.svc.cluster.local "10.96.0.21"']);
    expect((await ask("WEB.default.svc.cluster.local.", "A")).answers[0]).toMatch(/10\.96\.0\.21/);
    const srv = await ask("_http._tcp.web.default.svc.cluster.local", "SRV");
    expect(srv.answers).toEqual(['SRV _http._tcp.web.default.svc.cluster.local {"priority":0,"weight":100,"port":80,"target":"web.default.svc.cluster.local"}']);
    expect(srv.additionals.sort()).toEqual(["A 10.96.0.20", "A 10.96.0.21"]);
  });

  it("a CNAME chain is followed through the asker's view: to a node, and out of the lab", async () => {
    expect((await ask("alias.example", "A")).answers).toEqual(['CNAME alias.example "store.example"', 'CNAME store.example "db"', 'A db "10.80.0.3"']);
    expect((await ask("store.example", "CNAME")).answers).toEqual(['CNAME store.example "db"']);
    const out = await ask("out.example", "A");
    expect(out).toMatchObject({ rcode: "NOERROR", answers: ['CNAME out.example "www.example.org"'] });
    expect(log.lines.at(-1)).toMatch(/client A out\.example -> CNAME www\.example\.org$/);
  });

  it("TXT, PTR of a record's address, NOERROR for another type of a known name", async () => {
    expect((await ask("lab.example", "TXT")).answers).toEqual(['TXT lab.example [{"type":"Buffer","data":[104,101,108,108,111]}]']);
    expect((await ask("20.0.96.10.in-addr.arpa", "PTR")).answers).toEqual(['PTR 20.0.96.10.in-addr.arpa "web.default.svc.cluster.local"']);
    expect(await ask("lab.example", "A")).toMatchObject({ rcode: "NOERROR", answers: [] });
  });

  it("networks: only askers on those networks see a record", async () => {
    expect((await ask("secret.example", "A")).rcode).toBe("NXDOMAIN");
    expect((await ask("secret.example", "A", "10.81.0.3")).answers).toEqual(['A secret.example "10.81.0.99"']);
  });

  it("the node's search list and options reach its resolv.conf", () => {
    const client = LAB.nodes.find((n) => n.name === "client")!;
    expect(resolvConf(LAB, client)).toMatch(/nameserver 127\.0\.0\.11\nsearch default\.svc\.cluster\.local svc\.cluster\.local\noptions ndots:5\n$/);
  });

  it("refused: a CNAME that hides a node's name or loops, an SRV target that is a CNAME", () => {
    const base = "name: r\nnetworks:\n  n: { subnet: 10.1.0.0/24 }\nnodes:\n  a: { networks: { n: { aliases: [web] } } }\n";
    const ps = problems(`${base}records:\n  - { name: a, type: CNAME, data: x.example }\n  - { name: web, type: CNAME, data: a }\n  - { name: a.n, type: CNAME, data: a }\n  - { name: l1.example, type: CNAME, data: l2.example }\n  - { name: l2.example, type: CNAME, data: l1.example }\n  - { name: self.example, type: CNAME, data: self.example }\n  - { name: _x._tcp.example, type: SRV, data: 0 0 80 l1.example }\n`).join("\n");
    expect(ps).toMatch(/records\[0\]\.name: a is node a's name already: a CNAME would hide it/);
    expect(ps).toMatch(/records\[1\]\.name: web is an alias of node a already/);
    expect(ps).toMatch(/records\[2\]\.name: a\.n is node a's name on network n already/);
    expect(ps).toMatch(/records\[3\]\.data: CNAME loop: l1\.example -> l2\.example -> l1\.example/);
    expect(ps).toMatch(/records\[5\]\.data: CNAME loop: self\.example -> self\.example/);
    expect(ps).toMatch(/records\[6\]\.data: the target of an SRV record is a name with addresses, and l1\.example is a CNAME/);
  });

  it("refused: bad data, a CNAME beside other records, an unknown network, a bad option", () => {
    const base = "name: r\nnetworks:\n  n: { subnet: 10.1.0.0/24, dns: false }\nnodes:\n  a: { networks: [n] }\n";
    const ps = problems(`${base}records:\n  - { name: x.example, type: A, data: fd00::1 }\n  - { name: y.example, type: CNAME, data: a }\n  - { name: y.example, type: TXT, data: t }\n  - { name: z.example, type: A, data: 10.1.0.9, networks: [n, m] }\n`).join("\n");
    expect(ps).toMatch(/records\[0\]\.data: "fd00::1" is not an IPv4 address/);
    expect(ps).toMatch(/records\[1\]\.type: y\.example has a CNAME and other records \(TXT\)/);
    expect(ps).toMatch(/records\[3\]\.networks\[0\]: network n has no names/);
    expect(ps).toMatch(/records\[3\]\.networks\[1\]: no network named "m"/);
    expect(problems(`${base.replace("a: { networks: [n] }", "a: { networks: [n], dns: { options: [ndots 5] } }")}`).join("\n")).toMatch(/nodes\.a\.dns\.options\[0\]: "ndots 5" is not a resolv\.conf option/);
  });
});
