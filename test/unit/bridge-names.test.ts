// A bridge's name is unique per namespace, not per lab (issue 20, item 3): every cluster node
// has its own cni0. `bridge:` names it where netlab owns the namespace.
import { describe, expect, it } from "vitest";
import { labFromText } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { renderPlan } from "../../src/runtime/ops/index.js";
import { problems } from "./helpers.js";

const CLUSTER = `name: c
hosts: { node1: {}, node2: {} }
networks:
  pods1: { host: node1, bridge: cni0, subnet: 10.244.1.0/24 }
  pods2: { host: node2, bridge: cni0, subnet: 10.244.2.0/24 }
nodes:
  a: { host: node1, networks: [pods1] }
  b: { host: node2, networks: [pods2] }
`;

describe("bridge names per holder", () => {
  it("two virtual hosts each hold a cni0", () => {
    const lab = labFromText(CLUSTER);
    expect(lab.networks.filter((n) => n.name.startsWith("pods")).map((n) => [n.holder, n.bridge])).toEqual([["node1", "cni0"], ["node2", "cni0"]]);
    const text = renderPlan(compile(lab, { stateDir: "/run/netlab/c" }), "c");
    expect(text.match(/link add cni0 address \S+ type bridge/g)).toHaveLength(2);
    expect(text).toMatch(/link set dev pods1-a master cni0 up/);
  });

  it("twice in one namespace, in the shared host, or on another kind: refused", () => {
    expect(problems(CLUSTER.replace("host: node2, bridge", "host: node1, bridge").replace("b: { host: node2", "b: { host: node1")).join("\n")).toMatch(/networks\.pods2\.bridge: interface cni0, which netlab makes for the bridge of network pods2, is also the bridge of network pods1 in node1/);
    expect(problems("name: c\nnetworks:\n  lan: { bridge: docker0 }\n").join("\n")).toMatch(/networks\.lan\.bridge: a bridge in the lab's host namespace .* carries the lab's prefix/);
    expect(problems(CLUSTER.replace("bridge: cni0, subnet: 10.244.2.0/24", "bridge: cni0-of-the-second-node, subnet: 10.244.2.0/24")).join("\n")).toMatch(/networks\.pods2\.bridge: "cni0-of-the-second-node" is 23 characters/);
  });

  it("names netlab makes never meet: a network named like a node's cable end, a bridge named like a VXLAN device, a dot", () => {
    expect(problems("name: co\nnetworks:\n  lan: {}\n  web-eth0: {}\nnodes:\n  web: { networks: [lan] }\n").join("\n")).toMatch(/interface co-web-eth0, which netlab makes for the host side of web:eth0, is also the bridge of network web-eth0 in the lab's host/);
    expect(problems(CLUSTER.replace("bridge: cni0, subnet: 10.244.1.0/24", "bridge: vx-o, subnet: 10.244.1.0/24").replace("nodes:\n", "  o: { kind: vxlan, vni: 5 }\nnodes:\n")).join("\n")).toMatch(/interface vx-o, which netlab makes for the VXLAN device of network o, is also the bridge of network pods1 in node1/);
    expect(problems(CLUSTER.replace("bridge: cni0, subnet: 10.244.1.0/24", "bridge: cni.0, subnet: 10.244.1.0/24")).join("\n")).toMatch(/"cni\.0" is not a bridge name netlab takes/);
  });

  it("an isolated lab's host may name its bridges (docker0 by hand)", () => {
    const lab = labFromText("name: d\nisolated: true\nnetworks:\n  default: { bridge: docker0, subnet: 172.17.0.0/16 }\nnodes:\n  c1: { networks: [default] }\n");
    expect(lab.networks[0].bridge).toBe("docker0");
  });
});
