// apply's networks that come and go (issue 20, item 5): bridges of the lab's host made or
// deleted whole, with the nodes on them; what is refused, named — pure, from the lab model.
import { describe, expect, it } from "vitest";
import { membership } from "../../src/change/members.js";
import { networkMembership, networkOps } from "../../src/change/networks.js";
import { moves } from "../../src/change/joins.js";
import { labFromText } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { renderOp } from "../../src/runtime/ops/index.js";
import { compare } from "../../src/change/compare.js";
import { labHash } from "../../src/api.js";
import { LabState, type Meta } from "../../src/state/store.js";

const lab = (body: string) => labFromText(`name: m\n${body}`, "m.yaml");
const UP = "networks:\n  front: { subnet: 10.7.0.0/24 }\nnodes:\n  a: { networks: [front] }\n";
const BACK = "networks:\n  front: { subnet: 10.7.0.0/24 }\n  back: { subnet: 10.8.0.0/24 }\nnodes:\n  a: { networks: [front] }\n  db: { networks: [back] }\n";
const of = (up: string, now: string, pending: string[] = []) => {
  const [u, n, p] = [lab(up), lab(now), pending.map(lab)];
  return { nm: networkMembership(u, n, p), mv: moves(u, n, p, membership(u, n, p)), now: n };
};

describe("apply: networks that come and go", () => {
  it("a bridge of the host with new nodes on it is made before them, its undo journaled", () => {
    const { nm, now } = of(UP, BACK);
    expect([nm.added.map((n) => n.name), nm.removed, nm.refused]).toEqual([["back"], [], []]);
    const ops = networkOps(nm, compile(now, { stateDir: "/run/netlab/m" }), now.hostNs);
    expect(ops.make.map(renderOp).join("\n")).toMatch(/link add m-back address \S+ type bridge\n.*alias "netlab:m:network back"[\s\S]*address add 10\.8\.0\.1\/24 dev m-back\nlink set dev m-back up/);
    expect(ops.make.map(renderOp).join("\n")).not.toMatch(/m-db|m-front/);
    expect(ops.undo.map(renderOp).join("\n")).toMatch(/-force -batch[\s\S]*link delete m-back/);
  });

  it("dropped with its nodes; an unfinished apply's network is deleted and made again", () => {
    expect(of(BACK, UP).nm.removed.map((n) => n.name)).toEqual(["back"]);
    const redo = of(UP, BACK, [BACK]).nm;
    expect([redo.added.map((n) => n.name), redo.removed.map((n) => n.name)]).toEqual([["back"], ["back"]]);
  });

  it("a node that stays joins and leaves (docker network connect): its new interface, named after the ones it has", () => {
    const join = BACK.replace("a: { networks: [front] }", "a: { networks: [front, back] }");
    const j = of(UP, join);
    expect([j.nm.refused, [...j.mv.joins], j.mv.parts, j.mv.refused]).toEqual([[], [["a", ["eth1"]]], ["member:a:eth1"], []]);
    expect([...of(join, UP).mv.leaves]).toEqual([["a", ["eth1"]]]);
    expect(of(UP, BACK.replace("a: { networks: [front] }", "a: { networks: [back, front] }")).mv.refused).toEqual(["node a's interfaces (eth0 would change network: the interfaces a node keeps keep their names, so it joins networks after the ones it is on, and leaves its last ones)"]);
    const held = "networks:\n  front: { subnet: 10.7.0.0/24 }\n  inner: { subnet: 10.9.0.0/24, in: a }\nnodes:\n  a: { networks: [front] }\n  p: { networks: [inner] }\n";
    expect(of(UP, held).nm.refused).toEqual(["network inner (apply adds only bridges of the lab's host)"]);
  });
});

describe("apply's comparison with networks coming and going", () => {
  const meta = (l: ReturnType<typeof lab>) => ({ version: 1, lab: JSON.parse(JSON.stringify(l)), hash: labHash(l), createdAt: "", host: { id: "x", name: "root" }, pid: 1 }) as unknown as Meta;
  const state = new LabState("m", "/tmp/netlab-unit-state");
  it("is made in place (the host batch's undo of the bridge is the network's), and removed again", () => {
    const [up, now] = [lab(UP), lab(BACK)];
    const add = compare(labFromText(`name: m\n${BACK}`, "m.yaml", { previous: up }), meta(up), state, []);
    expect(add.changes.map((c) => c.id)).toEqual(expect.arrayContaining(["add-networks", "netns:+db", "host-links", "node:db"]));
    expect(add.changes.find((c) => c.id === "add-networks")?.makes).toEqual(["m-back"]);
    const drop = compare(labFromText(`name: m\n${UP}`, "m.yaml", { previous: now }), meta(now), state, []);
    expect(drop.changes.map((c) => c.id).slice(0, 2)).toEqual(["remove-nodes", "remove-networks"]);
  });

  it("a node joining: its cable with the others', then its interface set up, addressed and routed inside it", () => {
    const up = lab(BACK);
    const join = labFromText(`name: m\n${BACK.replace("a: { networks: [front] }", "a: { networks: [front, back] }")}`, "m.yaml", { previous: up });
    const c = compare(join, meta(up), state, []);
    expect([c.changes.map((x) => x.id), c.reload]).toEqual([["host-links", "node:a"], true]); // its name on back: the DNS server reloads
    expect(c.script).toMatch(/link add m-a-eth1 type veth peer name eth1 netns m-a[\s\S]*master m-back up/);
    expect(c.script).toMatch(/link set dev eth1 up[\s\S]*address replace 10\.8\.0\.\d+\/24 dev eth1/);
    const leave = compare(labFromText(`name: m\n${BACK}`, "m.yaml", { previous: join }), meta(join), state, []);
    expect(leave.script).toMatch(/ip -force -batch - <<'EOF'\nlink delete eth1\nEOF/);
    expect(leave.script).not.toMatch(/address del \S+ dev eth1/); // gone with its interface: the dry run runs as printed
    // Off a network with an impairment: the interface goes, and no qdisc is deleted from it after.
    const slow = (t: string) => t.replace("back: { subnet: 10.8.0.0/24 }", "back: { subnet: 10.8.0.0/24, netem: { rate: 8mbit } }");
    const slowJoin = labFromText(`name: m\n${slow(BACK.replace("a: { networks: [front] }", "a: { networks: [front, back] }"))}`, "m.yaml");
    const off = compare(labFromText(`name: m\n${slow(BACK)}`, "m.yaml", { previous: slowJoin }), meta(slowJoin), state, []);
    expect(off.script).toContain("link delete eth1");
    expect(off.script).not.toMatch(/qdisc del dev eth1/);
  });

  it("a node named like a step (host-links, netns) comes and goes as a node, owning no step of the lab's", () => {
    for (const name of ["host-links", "netns", "host-iptables"]) {
      const up = lab(UP);
      const c = compare(labFromText(`name: m\n${UP}  ${name}: { networks: [front] }\n`, "m.yaml", { previous: up }), meta(up), state, []);
      expect(c.script, name).not.toMatch(/link add m-front /);
      expect(c.script, name).not.toMatch(/netns add m-a\n/);
    }
  });

  it("run: services: every one stopped before any starts (a command that moves in the list keeps its port free)", () => {
    const runs = (r: string) => `name: m\nnetworks:\n  front: { subnet: 10.7.0.0/24 }\nnodes:\n  a: { networks: [front], run: [${r}] }\n`;
    const up = labFromText(runs('"sleep 100", "sleep 200"'), "m.yaml");
    const c = compare(labFromText(runs('"sleep 200"'), "m.yaml", { previous: up }), meta(up), state, []);
    expect(c.changes.map((x) => x.id)).toEqual(["stop-runs", "run:a:0"]);
    expect(c.changes[0].logs).toEqual(["/tmp/netlab-unit-state/m/logs/a-1.log"]);
    expect(c.changes[0].ops.map((o) => o.op)).toEqual(["stop", "stop"]);
  });
});
