// One test per validation rule: the message, the key and the exact location.
import { describe, expect, it } from "vitest";
import { labFromText } from "../../src/lab/load.js";
import { problems } from "./helpers.js";
import { hostsEntries } from "../../src/lab/hosts.js";


const one = (yaml: string) => {
  const ps = problems(yaml);
  expect(ps).toHaveLength(1);
  return ps[0];
};

describe("schema", () => {
  it("rejects a bad lab name, at its line and column", () => {
    expect(one("name: Bad_Lab\n")).toMatch(/^lab\.yaml:1:1: name: must start with a lowercase letter/);
  });
  it("rejects a lab name over 63 characters", () => {
    expect(one(`name: ${"a".repeat(64)}\n`)).toMatch(/^lab\.yaml:1:1: name: must be at most 63 characters/);
  });
  it("requires a name", () => {
    expect(one("nodes: {a: {}}\n")).toMatch(/name: is required/);
  });
  it("names an unknown key and suggests the right one", () => {
    expect(one("name: x\nnetworks:\n  br0:\n    subnet: 10.0.0.0/24\n    natt: true\n")).toBe(
      'lab.yaml:5:5: networks.br0.natt: unknown key "natt"\n  hint: did you mean "nat"?',
    );
  });
  it("reports a wrong type", () => {
    expect(one("name: x\nnetworks:\n  br0:\n    mtu: big\n")).toMatch(/^lab\.yaml:4:5: networks\.br0\.mtu: expected number, got the text "big"/);
  });
  it("reports YAML syntax errors with a position", () => {
    expect(one("name: x\nnodes:\n  a: [\n")).toMatch(/^lab\.yaml:\d+:\d+: /);
  });
  it("rejects duplicate keys (a duplicate node)", () => {
    expect(one("name: x\nnodes:\n  a: {}\n  a: {}\n")).toMatch(/^lab\.yaml:4:3: duplicate key/);
  });
  it("rejects node names that could escape a path", () => {
    expect(one("name: x\nnodes:\n  ../etc: {}\n")).toMatch(/^lab\.yaml:3:3: nodes\["\.\.\/etc"\]: node names use a-z/);
  });
  it("rejects node names too long for kernel names", () => {
    expect(one(`name: x\nnodes:\n  ${"n".repeat(33)}: {}\n`)).toMatch(/at most 32 characters/);
  });
  it("reserves the node name host", () => {
    expect(one("name: x\nnodes:\n  host: {}\n")).toMatch(/^lab\.yaml:3:3: nodes\.host: "host" is reserved/);
  });
  it("accepts JSON with positions", () => {
    expect(one('{\n  "name": "x",\n  "nodes": {"a": {"networks": ["nope"]}}\n}\n')).toMatch(/^lab\.yaml:3:32: nodes\.a\.networks\[0\]: no network named "nope"/);
  });
});

describe("semantics", () => {
  const base = "name: x\nnetworks:\n  br0:\n    subnet: 172.20.0.0/24\n";
  it("unknown network reference", () => {
    expect(one(base + "nodes:\n  web:\n    networks: [br1]\n")).toMatch(/^lab\.yaml:7:16: nodes\.web\.networks\[0\]: no network named "br1"\n  hint: networks: br0 \(did you mean br0\?\)/);
  });
  it("unknown node in a link", () => {
    expect(one("name: x\nnodes:\n  a: {}\nlinks:\n  - endpoints: [\"a:eth0\", \"ghost:eth0\"]\n")).toMatch(/^lab\.yaml:5:27: links\[0\]\.endpoints\[1\]: no node named "ghost"/);
  });
  it("unknown node in a check", () => {
    expect(one("name: x\nnodes:\n  web: {}\nchecks:\n  - { from: wbe, ping: web }\n")).toMatch(/checks\[0\]\.from: no node named "wbe"\n  hint: did you mean web\?/);
  });
  it("unknown node for a bridge's in:", () => {
    expect(one("name: x\nnetworks:\n  lan:\n    in: sw\n")).toMatch(/^lab\.yaml:4:5: networks\.lan\.in: no node named "sw"/);
  });
  it("address outside its subnet", () => {
    expect(one(base + "nodes:\n  web:\n    networks:\n      br0: { ip: 172.21.0.5 }\n")).toMatch(
      /^lab\.yaml:8:14: nodes\.web\.networks\.br0\.ip: 172\.21\.0\.5 is outside subnet 172\.20\.0\.0\/24 of network br0\n  hint: use an address in 172\.20\.0\.0\/24/,
    );
  });
  it("duplicate address", () => {
    expect(one(base + "nodes:\n  a:\n    networks: { br0: { ip: 172.20.0.9 } }\n  b:\n    networks: { br0: { ip: 172.20.0.9 } }\n")).toMatch(
      /^lab\.yaml:9:24: nodes\.b\.networks\.br0\.ip: address 172\.20\.0\.9 is already used by node a on network br0/,
    );
  });
  it("a static address may not take the gateway's", () => {
    expect(one(base + "nodes:\n  a:\n    networks: { br0: { ip: 172.20.0.1 } }\n")).toMatch(/already used by the gateway of network br0/);
  });
  it("duplicate interface on a node", () => {
    expect(one(base + "nodes:\n  a:\n    networks: { br0: { iface: eth0 } }\n  b: {}\nlinks:\n  - endpoints: [\"a:eth0\", \"b:eth0\"]\n")).toMatch(
      /^lab\.yaml:10:17: links\[0\]\.endpoints\[0\]: interface eth0 is defined twice on a/,
    );
  });
  it("interface names over 15 characters", () => {
    expect(one(base + "nodes:\n  a:\n    networks: { br0: { iface: averyveryverylongname } }\n")).toMatch(
      /nodes\.a\.networks\.br0\.iface: "averyveryverylongname" is 21 characters; Linux interface names are at most 15/,
    );
  });
  it("overlapping lab subnets", () => {
    expect(one(base + "  br1:\n    subnet: 172.20.0.0/16\n")).toMatch(/^lab\.yaml:\d+:5: networks\.br\d\.subnet: 172\.20\.0\.0\/2\d \(network br\d\) overlaps 172\.20\.0\.0\/16 \(network br1\)/);
  });
  it("a link subnet overlapping a network", () => {
    expect(one(base + "nodes:\n  a: {}\n  b: {}\nlinks:\n  - { endpoints: [\"a:eth0\", \"b:eth0\"], subnet: 172.20.0.0/30 }\n")).toMatch(/overlaps 172\.20\.0\.0\/24 \(network br0\)/);
  });
  it("a subnet with host bits set, with the fix", () => {
    expect(one("name: x\nnetworks:\n  br0:\n    subnet: 10.1.2.3/24\n")).toMatch(/10\.1\.2\.3\/24 has host bits set\n  hint: did you mean 10\.1\.2\.0\/24\?/);
  });
  it("a gateway outside the subnet", () => {
    expect(one(base + "    gateway: 10.0.0.1\n")).toMatch(/^lab\.yaml:5:5: networks\.br0\.gateway: gateway 10\.0\.0\.1 is outside subnet/);
  });
  it("a full subnet", () => {
    expect(one("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/30 }\nnodes:\n  a: { networks: [n] }\n  b: { networks: [n] }\n")).toMatch(/has no free address left for b/);
  });
  it("non-network sysctls (they would change the whole machine)", () => {
    expect(one("name: x\nnodes:\n  a:\n    sysctls: { kernel.pid_max: 5 }\n")).toMatch(/^lab\.yaml:4:16: nodes\.a\.sysctls\["kernel\.pid_max"\]: kernel\.pid_max is not a network sysctl/);
  });
  it("IPv6 turned off on an interface (or all) that is given an IPv6 address by ip6:", () => {
    const lab = (sysctl: string, att = "[n]") => `name: x\nnetworks:\n  n: { subnet: 10.9.0.0/24, subnet6: "fd00:9::/64" }\nnodes:\n  a:\n    networks: ${att}\n    sysctls: { ${sysctl} }\n`;
    expect(one(lab("net.ipv6.conf.eth0.disable_ipv6: 1", '{ n: { ip6: "fd00:9::9" } }'))).toMatch(/^lab\.yaml:7:16: nodes\.a\.sysctls\["net\.ipv6\.conf\.eth0\.disable_ipv6"\]: turns IPv6 off on eth0, which is given fd00:9::9\/64/);
    // Given no address of its own, the node gets none (as Docker gives a container none), and no IPv6 default route.
    for (const off of ["net.ipv6.conf.eth0.disable_ipv6: 1", 'net.ipv6.conf.all.disable_ipv6: "1"']) {
      const a = labFromText(lab(off), "lab.yaml").nodes.find((n) => n.name === "a")!;
      expect(a.intfs[0].addrs).toEqual(["10.9.0.2/24"]);
      expect(a.routes.some((r) => r.startsWith("::/0"))).toBe(false);
    }
    // Nor on a bridge the node holds with an IPv6 gateway.
    expect(one('name: x\nnetworks:\n  n: { subnet6: "fd00:9::/64", in: sw }\nnodes:\n  sw: { sysctls: { net.ipv6.conf.all.disable_ipv6: 1 } }\n')).toMatch(/nodes\.sw\.sysctls\["net\.ipv6\.conf\.all\.disable_ipv6"\]: turns IPv6 off on bridge n, whose IPv6 gateway is fd00:9::1/);
    // Its routes are checked against what it then has: no IPv6 address to reach an IPv6 gateway by.
    expect(one('name: x\nnetworks:\n  n: { subnet: 10.9.0.0/24, subnet6: "fd00:9::/64" }\nnodes:\n  a:\n    networks: [n]\n    sysctls: { net.ipv6.conf.all.disable_ipv6: 1 }\n    routes: ["fd00:77::/64 via fd00:9::1"]\n')).toMatch(/nodes\.a\.routes\[0\]: gateway fd00:9::1 is on no network node a is on/);
    const on = labFromText(lab("net.ipv6.conf.eth0.disable_ipv6: 0"), "lab.yaml").nodes.find((n) => n.name === "a")!;
    expect(on.intfs[0].addrs).toEqual(["10.9.0.2/24", "fd00:9::2/64"]);
    expect(on.routes.some((r) => r.startsWith("::/0"))).toBe(true);
  });
  it("IPv6 over an MTU below 1280 (the kernel drops IPv6 from such a device), on a network or a link", () => {
    expect(one('name: x\nnetworks:\n  n: { subnet6: "fd00:9::/64", mtu: 1000 }\nnodes:\n  a: { networks: [n] }\n')).toMatch(/^lab\.yaml:3:32: networks\.n\.mtu: IPv6 needs an MTU of at least 1280, and this network's is 1000/);
    expect(one('name: x\nnodes: { a: {}, b: {} }\nlinks:\n  - { endpoints: ["a:eth0", "b:eth0"], subnet6: "fd00:5::/64", mtu: 1200 }\n')).toMatch(/links\[0\]\.mtu: IPv6 needs an MTU of at least 1280, and this link's is 1200/);
    expect(() => labFromText('name: x\nnetworks:\n  n: { subnet: 10.9.0.0/24, mtu: 1000 }\nnodes:\n  a: { networks: [n] }\n', "lab.yaml")).not.toThrow();
  });
  it("a sysctl of an interface the node does not have (all, default and lo are every node's)", () => {
    expect(one("name: x\nnodes:\n  a:\n    sysctls: { net.ipv4.conf.eth9.rp_filter: 1, net.ipv4.conf.all.rp_filter: 0, net.ipv6.conf.default.accept_ra: 0, net.ipv4.neigh.lo.gc_stale_time: 30 }\n")).toMatch(/^lab\.yaml:4:16: nodes\.a\.sysctls\["net\.ipv4\.conf\.eth9\.rp_filter"\]: node a has no interface "eth9"/);
    expect(() => labFromText("name: x\nnetworks:\n  n: { subnet: 10.9.0.0/24 }\nnodes:\n  a: { networks: { n: { iface: up.1 } }, sysctls: { net.ipv4.conf.up/1.rp_filter: 2 } }\n", "lab.yaml")).not.toThrow();
  });
  it("an interface named all or default (Linux keeps the names for its settings)", () => {
    expect(one("name: x\nnetworks:\n  n: { subnet: 10.9.0.0/24 }\nnodes:\n  a: { networks: { n: { iface: all } } }\n")).toMatch(/nodes\.a\.networks\.n\.iface: "all" is a name Linux keeps for its own settings/);
  });
  it("forward: true with a sysctl turning forwarding off", () => {
    expect(one("name: x\nnodes:\n  a:\n    forward: true\n    sysctls: { net.ipv4.ip_forward: 0 }\n")).toMatch(/^lab\.yaml:5:16: nodes\.a\.sysctls\["net\.ipv4\.ip_forward"\]: turns off the forwarding that forward: true turns on/);
    expect(() => labFromText("name: x\nnodes:\n  a:\n    forward: true\n    sysctls: { net.ipv4.ip_forward: 1 }\n", "lab.yaml")).not.toThrow();
  });
  it("one sysctl written two ways (dots, slashes)", () => {
    expect(one("name: x\nnodes:\n  a:\n    sysctls: { net.ipv4.ip_forward: 1, net/ipv4/ip_forward: 0 }\n")).toMatch(/nodes\.a\.sysctls\["net\/ipv4\/ip_forward"\]: the same sysctl as net\.ipv4\.ip_forward, written another way/);
  });
  it("a route through an interface the node does not have", () => {
    expect(one("name: x\nnodes:\n  a:\n    routes: [\"10.9.0.0/16 dev eth7\"]\n")).toMatch(/nodes\.a\.routes\[0\]: node a has no interface "eth7"/);
  });
  it("a route with a bad gateway", () => {
    expect(one("name: x\nnodes:\n  a:\n    routes: [\"10.9.0.0/16 via nowhere\"]\n")).toMatch(/"via nowhere" needs an IP address/);
  });
  it("a check with two probes", () => {
    expect(one("name: x\nnodes:\n  a: {}\nchecks:\n  - { from: a, ping: a, tcp: \"a:1\" }\n")).toMatch(/a check has exactly one probe, this one has ping and tcp/);
  });
  it("a node on the network whose bridge it holds", () => {
    expect(one("name: x\nnetworks:\n  lan: { subnet: 10.0.0.0/24, in: sw }\nnodes:\n  sw: { networks: [lan] }\n")).toMatch(/holds the bridge of network lan/);
  });
  it("a malformed publish spec", () => {
    expect(one(base + "nodes:\n  web:\n    networks: [br0]\n    publish: [\"80:eighty\"]\n")).toMatch(
      /^lab\.yaml:8:15: nodes\.web\.publish\[0\]: "80:eighty" is not a port to publish\n  hint: write it like "8080:80"/,
    );
  });
  it("gateway modes: routed with nat, trusted interfaces without nat, a mode on a non-bridge", () => {
    const net = (keys: string) => `name: x\nnetworks:\n  br0: { subnet: 172.20.0.0/24, ${keys} }\n`;
    expect(one(net("gatewayMode: routed, nat: true"))).toMatch(/networks\.br0\.gatewayMode: gatewayMode routed means no NAT/);
    expect(one(net("trustedInterfaces: [uplink]"))).toMatch(/trustedInterfaces only matter in gatewayMode nat/);
    expect(one(net("nat: true, trustedInterfaces: [\"bad name\"]"))).toMatch(/trustedInterfaces\[0\]: "bad name" is not an interface name/);
    const lab = labFromText(net("gatewayMode: nat-unprotected"), "lab.yaml");
    expect(lab.networks[0]).toMatchObject({ nat: true, gatewayMode: "nat-unprotected" });
    expect(labFromText(net("nat: true"), "lab.yaml").networks[0].gatewayMode).toBe("nat");
    expect(labFromText(net("gatewayMode: routed"), "lab.yaml").networks[0]).toMatchObject({ nat: false, gatewayMode: "routed" });
  });
  it("one mistake, one error: problems that follow from it are left out (issue 18)", () => {
    const lab = (subnet: string) => `name: x\nnetworks:\n  br0: { subnet: ${subnet}, nat: true }\nnodes:\n  web:\n    networks: [br0]\n    publish: ["8080:80"]\n    routes: ["10.9.0.0/16 via 172.30.0.1"]\n  api:\n    networks:\n      br0: { ip: 172.30.0.20 }\n`;
    expect(problems(lab("172.30.0.1/24"))).toEqual(["lab.yaml:3:10: networks.br0.subnet: 172.30.0.1/24 has host bits set\n  hint: did you mean 172.30.0.0/24?"]);
    expect(problems(lab("172.30.0.0/33"))).toHaveLength(1);
    // A node on a network that does not exist: the same.
    expect(problems("name: x\nnodes:\n  web:\n    networks: [br9]\n    publish: [\"8080:80\"]\n")).toHaveLength(1);
  });
  it("a key indented where a node's name goes: the hint shows where it belongs", () => {
    expect(one("name: x\nnetworks:\n  br0: { subnet: 172.30.0.0/24 }\nnodes:\n  web:\n  networks: [br0]\n")).toMatch(
      /nodes\.networks: expected object, got a list\n  hint: "networks" is a key of a node, not a node's name: indent it under its node \(nodes: → web: → networks: …\)/,
    );
  });
  it("a firewall allow opens the chain the policy closes, or the one it names; one that opens nothing is refused", async () => {
    const fw = (f: string) => `name: x\nnetworks:\n  a: { subnet: 10.1.0.0/24 }\nnodes:\n  r:\n    networks: [a]\n    forward: true\n    firewall: ${f}\n`;
    const lab = labFromText(fw(`{ forward: drop, allow: ["tcp/80 from 10.1.0.0/24"] }`), "lab.yaml");
    expect(lab.nodes[0].firewall!.allow[0].chains).toEqual(["FORWARD"]);
    const { compile } = await import("../../src/plan/compile.js");
    const { renderPlan } = await import("../../src/runtime/ops/index.js");
    expect(renderPlan(compile(lab, { stateDir: "/run/netlab/x" }), "x")).toContain("-A FORWARD -s 10.1.0.0/24 -p tcp -m tcp --dport 80 -j ACCEPT");
    expect(labFromText(fw(`{ input: drop, forward: drop, allow: ["icmp"] }`), "lab.yaml").nodes[0].firewall!.allow[0].chains).toEqual(["INPUT", "FORWARD"]);
    expect(labFromText(fw(`{ input: drop, forward: drop, allow: ["forward tcp/80"] }`), "lab.yaml").nodes[0].firewall!.allow[0].chains).toEqual(["FORWARD"]);
    expect(one(fw(`{ allow: ["tcp/80"] }`))).toMatch(/"tcp\/80" opens nothing: no policy of this firewall is drop/);
    expect(one(fw(`{ forward: drop, allow: ["input tcp/22"] }`))).toMatch(/opens input, but input's policy is accept/);
  });
  it("a bare published port is the same port on the host", () => {
    const lab = labFromText(base + "nodes:\n  web:\n    networks: [br0]\n    publish: [\"80\", \"53/udp\"]\n", "lab.yaml");
    expect(lab.nodes[0].publish.map((p) => [p.hostPort, p.port, p.proto])).toEqual([[80, 80, "tcp"], [53, 53, "udp"]]);
  });
  it("a published port out of range", () => {
    expect(one(base + "nodes:\n  web:\n    networks: [br0]\n    publish: [\"70000:80\"]\n")).toMatch(/host port 70000 is not a port/);
  });
  it("a host port published twice", () => {
    expect(one(base + "nodes:\n  a:\n    networks: [br0]\n    publish: [\"8080:80\"]\n  b:\n    networks: [br0]\n    publish: [\"127.0.0.1:8080:81\"]\n")).toMatch(
      /^lab\.yaml:11:15: nodes\.b\.publish\[0\]: host port 8080\/tcp is already published by a \("8080:80"\)/,
    );
  });
  it("the same host port over tcp and udp is fine", () => {
    expect(() => labFromText(base + "nodes:\n  a:\n    networks: [br0]\n    publish: [\"53:53/udp\", \"53:53\"]\n")).not.toThrow();
  });
  it("publishing from a node the host cannot forward to", () => {
    expect(one("name: x\nnodes:\n  a:\n    publish: [\"8080:80\"]\n")).toMatch(/a is on no network the host holds a bridge for/);
  });
  it("a malformed firewall allow entry", () => {
    expect(one("name: x\nnodes:\n  a:\n    firewall: { input: drop, allow: [\"http\"] }\n")).toMatch(
      /^lab\.yaml:4:\d+: nodes\.a\.firewall\.allow\[0\]: "http" is not an allow entry\n  hint: write entries like "tcp\/80"/,
    );
  });
  it("a firewall rule that is not a rule spec", () => {
    expect(one("name: x\nnodes:\n  a:\n    firewall: { rules: [\"iptables -F\"] }\n")).toMatch(/nodes\.a\.firewall\.rules\[0\]: "iptables -F" is not an iptables rule spec/);
  });
  it("a firewall policy that is neither accept nor drop", () => {
    expect(one("name: x\nnodes:\n  a:\n    firewall: { input: reject }\n")).toMatch(/nodes\.a\.firewall\.input: must be one of "accept", "drop"/);
  });
  it("host firewall rules stay in INPUT, OUTPUT or FORWARD of the filter table", () => {
    expect(one("name: x\nhost:\n  firewall: { rules: [\"-t nat -A POSTROUTING -j MASQUERADE\"] }\n")).toMatch(
      /host\.firewall\.rules\[0\]: host rules go into the filter table's INPUT, OUTPUT or FORWARD/,
    );
  });
  it("reports every problem at once", () => {
    expect(problems(base + "nodes:\n  a:\n    networks: [br9]\n  b:\n    networks: { br0: { ip: 1.2.3.4 } }\n")).toHaveLength(2);
  });
});

describe("labs built in code", () => {
  it("labFromObject validates like a file, with the same messages", async () => {
    const { labFromObject } = await import("../../src/lab/load.js");
    expect(labFromObject({ name: "x", nodes: { a: {} } }).nodes[0].ns).toBe("x-a");
    expect(() => labFromObject({ name: "x", nodes: { a: { networks: ["nope"] } } }, "gen")).toThrow(/^gen:1:1: nodes\.a\.networks\[0\]: no network named "nope"/);
  });
});

describe("resolution", () => {
  it("assigns addresses in declaration order, skipping static ones and the gateway", () => {
    const lab = labFromText("name: x\nnetworks:\n  br0: { subnet: 172.20.0.0/24 }\nnodes:\n  a: { networks: [br0] }\n  b: { networks: { br0: { ip: 172.20.0.3 } } }\n  c: { networks: [br0] }\n");
    expect(lab.nodes.map((n) => n.intfs[0].addrs[0])).toEqual(["172.20.0.2/24", "172.20.0.3/24", "172.20.0.4/24"]);
    expect(lab.nodes[0].routes).toEqual(["default via 172.20.0.1 dev eth0"]);
    expect(hostsEntries(lab, lab.nodes[0])).toEqual([["172.20.0.2", "a"], ["172.20.0.3", "b"], ["172.20.0.4", "c"]]);
  });
  it("gives no default route on an internal network, and none over the node's own", () => {
    const lab = labFromText("name: x\nnetworks:\n  i: { subnet: 10.0.0.0/24, internal: true }\n  o: { subnet: 10.0.1.0/24 }\nnodes:\n  a: { networks: [i, o] }\n  b: { networks: [o], routes: [\"default via 10.0.1.9\"] }\n");
    expect(lab.nodes[0].routes).toEqual(["default via 10.0.1.1 dev eth1"]);
    expect(lab.nodes[1].routes).toEqual(["default via 10.0.1.9"]);
  });
  it("gateway: none leaves the bridge without an address; automatic addresses start at .1", () => {
    const lab = labFromText("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24, gateway: none }\nnodes:\n  a: { networks: [n] }\n  b: { networks: [n] }\n");
    expect(lab.networks[0].gateway).toBeUndefined();
    expect(lab.nodes.map((n) => n.intfs[0].addrs[0])).toEqual(["10.0.0.1/24", "10.0.0.2/24"]);
    expect(lab.nodes[0].routes).toEqual([]);
  });
  it("dns: false keeps names out of /etc/hosts", () => {
    const lab = labFromText("name: x\nnetworks:\n  d: { subnet: 10.0.0.0/24, dns: false }\nnodes:\n  a: { networks: [d] }\n  b: { networks: [d], hosts: { db: 10.9.9.9 } }\n");
    expect(hostsEntries(lab, lab.nodes[1])).toEqual([["10.0.0.3", "b"], ["10.9.9.9", "db"]]);
  });
  it("a hosts list entry without a colon is named whole, not cut short", () => {
    expect(one("name: x\nnodes:\n  a: { hosts: [\"db=10.0.0.5\"] }\n")).toBe(
      'lab.yaml:3:16: nodes.a.hosts[0]: "db=10.0.0.5" is not "name:address"\n  hint: write entries as "db:10.0.0.5", or as a map: db: 10.0.0.5',
    );
  });
  it("a virtual host's unreachable gateway calls it a virtual host", () => {
    expect(one("name: x\nhosts:\n  vm1: { routes: [\"10.9.0.0/24 via 10.5.0.1\"] }\n")).toMatch(/gateway 10\.5\.0\.1 is on no network virtual host vm1 is on\n  hint: virtual host vm1 reaches 192\.168\.56\.0\/24 directly/);
  });
  it("dual-stack networks and links", () => {
    const lab = labFromText("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24, subnet6: fd00:1::/64 }\nnodes:\n  a: { networks: [n] }\n");
    expect(lab.nodes[0].intfs[0].addrs).toEqual(["10.0.0.2/24", "fd00:1::2/64"]);
    expect(lab.nodes[0].routes).toEqual(["default via 10.0.0.1 dev eth0", "::/0 via fd00:1::1 dev eth0"]);
  });
});

describe("netem", () => {
  const lab = (netem: string) => `name: x\nnodes: {a: {}, b: {}}\nlinks:\n  - endpoints: ["a:eth0", "b:eth0"]\n    netem: ${netem}\n`;
  it("rejects a delay that does not parse, at its key", () => {
    expect(one(lab("{ delay: fast }"))).toMatch(/^lab\.yaml:5:14: links\[0\]\.netem\.delay: "fast" is not a duration\n  hint: write it like "20ms"/);
  });
  it("rejects loss over 100%", () => {
    expect(one(lab("{ loss: 101% }"))).toMatch(/links\[0\]\.netem\.loss: 101% is more than 100%/);
  });
  it("rejects a rate that does not parse", () => {
    expect(one(lab("{ rate: fast }"))).toMatch(/links\[0\]\.netem\.rate: "fast" is not a rate/);
  });
  it("rejects jitter without delay", () => {
    expect(one(lab("{ jitter: 5ms }"))).toMatch(/jitter without delay/);
  });
  it("normalises what it accepts to tc's spelling, on both ends of a link and every member of a network", () => {
    const l = labFromText(lab("{ delay: 20, jitter: 5ms, loss: 1, rate: 10Mbit }") + "networks: {n: {subnet: 10.1.0.0/24, netem: {rate: 1mbit}}}\n", "lab.yaml");
    const ends = l.nodes.flatMap((n) => n.intfs).filter((i) => i.kind === "veth");
    expect(ends.map((i) => i.netem)).toEqual([{ delay: "20ms", jitter: "5ms", loss: "1%", rate: "10mbit" }, { delay: "20ms", jitter: "5ms", loss: "1%", rate: "10mbit" }]);
    expect(l.networks[0].netem).toEqual({ rate: "1mbit" });
  });
});

describe("a lab that names no file", () => {
  it("guesses the shipped lab a typo meant, and lists them all", async () => {
    const { loadLab } = await import("../../src/lab/load.js");
    let hint = "";
    try {
      loadLab("bridge-lb");
    } catch (e) {
      hint = (e as { hint?: string }).hint ?? "";
    }
    expect(hint).toMatch(/^did you mean bridge-lab\? shipped labs: .*\bveth-pair\b/);
  });
});
