// apply's nodes that come and go (issue 20, item 5): which are made or removed whole, which are
// refused, and what an unfinished apply left to redo — pure, from the lab model.
import { describe, expect, it } from "vitest";
import { additions, membership, ownedBy } from "../../src/change/members.js";
import { moves } from "../../src/change/joins.js";
import { labFromText } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";

const lab = (nodes: string, extra = "") => labFromText(`name: m\nnetworks:\n  n: { subnet: 10.7.0.0/24 }\nnodes:\n${nodes}${extra}`, "m.yaml");
const node = (name: string) => `  ${name}: { networks: [n] }\n`;

describe("apply: nodes that come and go", () => {
  const up = lab(node("a") + node("b"));

  it("adds and removes members of the host's bridges", () => {
    const m = membership(up, lab(node("a") + node("c")), []);
    expect(m.added.map((n) => n.name)).toEqual(["c"]);
    expect(m.removed).toEqual([{ name: "b", ns: "m-b", ends: [{ ns: null, name: up.nodes[1].intfs[0].kind === "bridge" ? up.nodes[1].intfs[0].peer.name : "" }] }]);
    expect(m.refused).toEqual([]);
  });

  it("refuses a node with a sub-interface, or one that holds a network; one with links, or a member of a node's bridge, may come", () => {
    const now = lab(node("a") + node("b") + node("c"), "links:\n  - { endpoints: [b:eth1, c:eth1] }\n");
    const linked = membership(up, now, []);
    expect(linked.refused).toEqual([]);
    // The link's cable is made with c's; b, which stays, sets its end up.
    const mv = moves(up, now, [], linked);
    expect([mv.parts, [...mv.joins], [...mv.leaves]]).toEqual([["link:b:eth1=c:eth1", "link:b:eth1=c:eth1@host"], [["b", ["eth1"]]], []]);
    const back = moves(now, up, [], membership(now, up, []));
    expect([[...back.joins], [...back.leaves]]).toEqual([[], [["b", ["eth1"]]]]);
    const held = labFromText("name: m\nnetworks:\n  n: { subnet: 10.7.0.0/24 }\n  inner: { subnet: 10.8.0.0/24, in: r }\nnodes:\n  a: { networks: [n] }\n  b: { networks: [n] }\n  r: { networks: [n] }\n  p: { networks: [inner] }\n", "m.yaml");
    expect(membership(up, held, []).refused).toEqual(["node r (it holds a network)"]); // p, a member of r's bridge, may come and go
  });

  it("redoes a node an unfinished apply began: removed first, then made whole", () => {
    const half = lab(node("a") + node("b") + node("c"));
    const m = membership(up, half, [half]);
    expect(m.added.map((n) => n.name)).toEqual(["c"]);
    expect(m.removed.map((r) => r.name)).toEqual(["c"]);
    const gone = membership(up, up, [half]);
    expect(gone.removed.map((r) => r.name)).toEqual(["c"]);
    expect(gone.added).toEqual([]);
  });

  it("an added node's namespace, its cable alone, and its own steps", () => {
    const now = lab(node("a") + node("b") + `  c: { networks: [n], run: ["sleep 1000"] }\n`);
    const add = additions(membership(up, now, []), compile(now, { stateDir: "/run/netlab/m" }));
    expect(add.create).toEqual([{ op: "ip", ns: null, lines: ["netns add m-c"] }]);
    const lines = add.cables.flatMap((o) => (o.op === "ip" ? o.lines : []));
    expect(lines[0]).toMatch(/^link add \S+ type veth peer name eth0 netns m-c$/);
    expect(lines.join("\n")).not.toMatch(/m-a|m-b|type bridge/);
    expect(add.steps.map((s) => s.id)).toEqual(["node:c", "run:c:0"]);
    expect(ownedBy("member:c:eth0", new Set(["c"]))).toBe(true);
    expect(ownedBy("node:cc", new Set(["c"]))).toBe(false);
  });

  it("a member of a bridge a node holds: its cable from the host, then its port in the holder's batch", () => {
    const text = (extra: string) => `name: m\nnetworks:\n  n: { subnet: 10.7.0.0/24 }\n  cni0: { subnet: 10.8.0.0/24, in: r }\nnodes:\n  r: { networks: [n] }\n  p1: { networks: [cni0] }\n${extra}`;
    const was = labFromText(text(""), "m.yaml");
    const now = labFromText(text("  p2: { networks: [cni0] }\n"), "m.yaml");
    const m = membership(was, now, []);
    expect(m.refused).toEqual([]);
    const add = additions(m, compile(now, { stateDir: "/run/netlab/m" }));
    expect(add.cables.map((o) => (o.op === "ip" ? [o.ns, o.lines.length] : null))).toEqual([[null, 1], ["m-r", 2]]);
    expect(add.cables[1].op === "ip" && add.cables[1].lines.every((l) => !l.includes("type bridge"))).toBe(true);
    const gone = membership(now, was, []);
    expect(gone.removed[0].ends[0].ns).toBe("m-r");
  });
});
