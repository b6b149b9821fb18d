// A DNS server per namespace that holds networks with names (issue 20, item 4): the lab's host,
// a virtual host (pods on vm1's bridge), a node with bridges of its own.
import { describe, expect, it } from "vitest";
import { dnsHolders, dnsServerOf, dnsServers } from "../../src/dns/servers.js";
import { Views } from "../../src/dns/view.js";
import { labFromText, loadLab } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";

describe("DNS servers per holder", () => {
  const lab = loadLab("host-gw");

  it("one server in each virtual host that holds a network with names, listening at its gateway", () => {
    expect(dnsHolders(lab)).toEqual(["vm1", "vm2"]);
    expect(dnsServers(lab, "vm1")).toEqual(["10.244.1.1"]);
    expect(dnsServers(lab)).toEqual([]);
    const a = lab.nodes.find((n) => n.name === "a")!;
    expect(dnsServerOf(lab, a)).toEqual({ server: "10.244.1.1", addr: "10.244.1.2", dev: "eth0" });
    const steps = compile(lab, { stateDir: "/run/netlab/host-gw" }).phases.flatMap((p) => p.steps).filter((s) => s.id.startsWith("run:_dns"));
    expect(steps.map((s) => [s.id, s.ops[0].op === "spawn" && s.ops[0].ns, s.ops[0].op === "spawn" && s.ops[0].cmd])).toEqual([
      ["run:_dns@vm1:0", "host-gw-vm1", "netlab dns-server host-gw --in vm1"],
      ["run:_dns@vm2:0", "host-gw-vm2", "netlab dns-server host-gw --in vm2"],
    ]);
  });

  it("a server knows the askers and names of its own networks only", () => {
    const vm1 = new Views(lab, "vm1");
    const a = vm1.client("10.244.1.2")!;
    expect(a.name).toBe("a");
    expect(vm1.client("10.244.2.2")).toBeUndefined();
    expect(vm1.lookup(a, "a", 4)).toEqual(["10.244.1.2"]);
    expect(vm1.knows(a, "b")).toBe(false);
  });

  it("a holder whose firewall drops input still lets its members ask its server", () => {
    const fw = labFromText("name: f\nnetworks:\n  inner: { subnet: 10.8.0.0/24, in: r }\nnodes:\n  r: { firewall: { input: drop } }\n  p: { networks: [inner] }\n", "f.yaml");
    const step = compile(fw, { stateDir: "/run/netlab/f" }).phases.flatMap((p) => p.steps).find((s) => s.id === "node:r")!;
    const text = step.ops.map((o) => (o.op === "iptables" ? o.text : "")).join("\n");
    expect(text).toMatch(/-A INPUT -d 10\.8\.0\.1\/32 -p udp -m udp --dport 53 .*-j ACCEPT/);
  });
});
