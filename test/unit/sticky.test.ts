// Addresses are sticky across edits (issue 20, item 2): resolved against the lab as it is up, a
// node keeps the automatic address it has, so removing or inserting a node renumbers nobody.
import { describe, expect, it } from "vitest";
import { labFromText } from "../../src/lab/load.js";
import type { Lab } from "../../src/lab/model.js";
import { renumbers } from "../../src/lab/diff.js";

const lab = (nodes: string[], previous?: Lab, extra = "") =>
  labFromText(`name: s\nnetworks:\n  n: { subnet: 10.9.0.0/24, subnet6: "fd09::/64" }\nnodes:\n${nodes.map((n) => `  ${n}: { networks: [n] }`).join("\n")}\n${extra}`, "s.yaml", { previous });
const addrs = (l: Lab) => Object.fromEntries(l.nodes.map((n) => [n.name, n.intfs[0].addrs.join(" ")]));

describe("sticky addresses", () => {
  const up = lab(["a", "b", "c"]);

  it("without a previous version, addresses follow declaration order", () => {
    expect(addrs(up)).toEqual({ a: "10.9.0.2/24 fd09::2/64", b: "10.9.0.3/24 fd09::3/64", c: "10.9.0.4/24 fd09::4/64" });
    expect(addrs(lab(["b", "c"]))).toEqual({ b: "10.9.0.2/24 fd09::2/64", c: "10.9.0.3/24 fd09::3/64" });
  });

  it("removing a node renumbers nobody", () => {
    expect(addrs(lab(["b", "c"], up))).toEqual({ b: "10.9.0.3/24 fd09::3/64", c: "10.9.0.4/24 fd09::4/64" });
  });

  it("a node added anywhere takes a free address, not one a node removed by an earlier apply gave back; the others keep theirs", () => {
    // a's 10.9.0.2 went back two versions ago: the others' ARP caches may still hold it (host-local IPAM moves on too).
    const next = lab(["d", "b", "c"], lab(["b", "c"], up));
    expect(addrs(next)).toEqual({ d: "10.9.0.5/24 fd09::5/64", b: "10.9.0.3/24 fd09::3/64", c: "10.9.0.4/24 fd09::4/64" });
    // The lab remembers what it gave back (lab.json), while it is up.
    expect(lab(["b", "c"], up).retired).toEqual(["10.9.0.2", "fd09::2"]);
    expect(addrs(lab(["a", "b", "c", "e"], up)).e).toBe("10.9.0.5/24 fd09::5/64");
  });

  it("a static address the edit gives wins over a kept one, which then moves to an address no node had", () => {
    const next = lab(["a", "b", "c"], up, "").nodes; // unchanged: same addresses
    expect(next.map((n) => n.intfs[0].addrs[0])).toEqual(["10.9.0.2/24", "10.9.0.3/24", "10.9.0.4/24"]);
    const moved = labFromText(`name: s\nnetworks:\n  n: { subnet: 10.9.0.0/24, subnet6: "fd09::/64" }\nnodes:\n  a: { networks: [n] }\n  b: { networks: [n] }\n  c: { networks: { n: { ip: 10.9.0.3 } } }\n`, "s.yaml", { previous: up });
    expect(addrs(moved)).toEqual({ a: "10.9.0.2/24 fd09::2/64", b: "10.9.0.5/24 fd09::3/64", c: "10.9.0.3/24 fd09::4/64" });
  });

  it("apply resolves again (renumbers) when a new node took, read plainly, the address a removed one had", () => {
    const plain = lab(["a", "b", "d"]); // c removed, d added: read alone, d takes c's .4
    expect(addrs(plain).d).toBe("10.9.0.4/24 fd09::4/64");
    expect(renumbers(plain, up)).toBe(true);
    expect(addrs(lab(["a", "b", "d"], up)).d).toBe("10.9.0.5/24 fd09::5/64");
    expect(renumbers(lab(["a", "b", "c"]), up)).toBe(false); // unchanged: read once
  });

  it("an address a node removed now had is not given at once to a new one (the others' ARP caches still know it), unless no other is free", () => {
    expect(addrs(lab(["b", "c", "d"], up)).d).toBe("10.9.0.5/24 fd09::5/64");
    const small = (nodes: string[], previous?: Lab) => labFromText(`name: s\nnetworks:\n  n: { subnet: 10.9.0.0/29 }\nnodes:\n${nodes.map((n) => `  ${n}: { networks: [n] }`).join("\n")}\n`, "s.yaml", { previous });
    const full = small(["a", "b", "c", "d", "e"]);
    expect(addrs(small(["b", "c", "d", "e", "f"], full)).f).toBe("10.9.0.2/29");
  });

  it("a kept address outside the network's new subnet is not kept", () => {
    const next = labFromText(`name: s\nnetworks:\n  n: { subnet: 10.8.0.0/24 }\nnodes:\n  b: { networks: [n] }\n`, "s.yaml", { previous: up });
    expect(addrs(next)).toEqual({ b: "10.8.0.2/24" });
  });
});
