// apply's networks that come and go (issue 20, item 5): bridges of the lab's host made or
// deleted whole, with the nodes on them; what is refused, named — pure, from the lab model.
import { describe, expect, it } from "vitest";
import { membership } from "../../src/change/members.js";
import { networkMembership, networkOps } from "../../src/change/networks.js";
import { labFromText } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { renderOp } from "../../src/runtime/ops/index.js";

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
