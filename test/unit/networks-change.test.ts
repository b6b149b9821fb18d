// apply's networks that come and go (issue 20, item 5): bridges of the lab's host made or
// deleted whole, with the nodes on them; what is refused, named — pure, from the lab model.
import { describe, expect, it } from "vitest";
import { membership } from "../../src/change/members.js";
import { networkMembership, networkOps } from "../../src/change/networks.js";
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
  return { nm: networkMembership(u, n, p, membership(u, n, p)), now: n };
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

  it("refused: a node that stays joins or leaves, a network a node holds", () => {
    const join = BACK.replace("a: { networks: [front] }", "a: { networks: [front, back] }");
    expect(of(UP, join).nm.refused).toEqual(["network back (a would join it: a node that stays cannot change networks yet)"]);
    expect(of(join, UP).nm.refused).toEqual(["network back (a would leave it: a node that stays cannot change networks yet)"]);
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
});
