// The validation and rendering halves of issue 9's fixes: no root needed.
import { describe, expect, it } from "vitest";
import { LabError, MAX_PROBLEMS, formatProblem, printable } from "../../src/errors.js";
import { labFromText } from "../../src/lab/load.js";
import { problems } from "./helpers.js";
import { procSys, sysctlParts } from "../../src/net/sysctl.js";
import { routeKey } from "../../src/net/route.js";
import { comment } from "../../src/shell.js";
import { renderPlan } from "../../src/runtime/ops/index.js";
import { compile } from "../../src/plan/compile.js";
import { table } from "../../src/cli/output.js";
import { suggest } from "../../src/cli/commands/test.js";


describe("sysctl keys are checked as sysctl(8) resolves them", () => {
  it("refuses keys that would leave /proc/sys/net", () => {
    for (const k of ["net.//.//.//.tmp.x", "net.//.kernel.hostname", "net/../kernel/hostname", "net./.x", "net", "kernel.hostname", "net.ipv4..ip_forward", "net.ipv4.ip_forward "]) {
      expect(sysctlParts(k), k).toBeNull();
      expect(() => procSys(k)).toThrow();
    }
  });
  it("reads dots and slashes the way procps does", () => {
    expect(procSys("net.ipv4.ip_forward")).toBe("/proc/sys/net/ipv4/ip_forward");
    expect(procSys("net.ipv4.conf.eth0/100.rp_filter")).toBe("/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
    expect(procSys("net/ipv4/conf/eth0.100/rp_filter")).toBe("/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
  });
  it("validate names the key in a lab", () => {
    expect(problems('name: x\nnodes:\n  a:\n    sysctls: { "net.//.kernel.hostname": rt }\n')[0]).toMatch(/^lab\.yaml:4:16: nodes\.a\.sysctls\["net\.\/\/\.kernel\.hostname"\]: net\.\/\/\.kernel\.hostname is not a network sysctl/);
    expect(problems('name: x\nhost:\n  sysctls: { "net.//.//.//.tmp.x": 1 }\n')[0]).toMatch(/host\.sysctls.*is not a network sysctl/);
  });
});

describe("validate refuses what up would fail on", () => {
  it("more members than a bridge has ports", () => {
    const nodes = Array.from({ length: 1024 }, (_, i) => `  n${i}: { networks: [big] }`).join("\n");
    expect(problems(`name: x\nnetworks:\n  big: { subnet: 10.0.0.0/16 }\nnodes:\n${nodes}\n`)[0]).toMatch(/^lab\.yaml:3:3: networks\.big: network big has 1024 members; a Linux bridge takes at most 1023 ports\n {2}hint: spread the nodes over several networks/);
    const ok = Array.from({ length: 1023 }, (_, i) => `  n${i}: { networks: [big] }`).join("\n");
    expect(labFromText(`name: x\nnetworks:\n  big: { subnet: 10.0.0.0/16 }\nnodes:\n${ok}\n`).nodes).toHaveLength(1023);
  });
  it("a gateway the node cannot reach directly (::/0 on an IPv4-only node, a far address)", () => {
    const [p] = problems('name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a:\n    networks: [n]\n    routes: ["::/0 via fd00::1"]\n');
    expect(p).toMatch(/^lab\.yaml:7:14: nodes\.a\.routes\[0\]: gateway fd00::1 is on no network node a is on\n {2}hint: node a has no IPv6 address/);
    expect(problems('name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a:\n    networks: [n]\n    routes: ["10.9.0.0/16 via 10.99.0.1"]\n')[0]).toMatch(/gateway 10\.99\.0\.1 is on no network node a is on\n {2}hint: node a reaches 10\.0\.0\.0\/24 directly/);
    // onlink (with its dev: the kernel needs one), a dev route's destination, and IPv6 link-local are fine.
    expect(problems('name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a:\n    networks: [n]\n    routes: ["10.9.0.0/16 via 10.99.0.1 onlink"]\n')[0]).toMatch(/"onlink" needs "dev IFACE"/);
    expect(problems('name: x\nnodes:\n  a:\n    rules: ["from fd00::2 table 100"]\n')[0]).toMatch(/ip rules for IPv6 addresses are not supported yet/);
    labFromText('name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24, subnet6: "fd00::/64" }\nnodes:\n  a:\n    networks: [n]\n    routes: ["10.9.0.0/16 via 10.99.0.1 dev eth0 onlink", "10.8.0.0/16 dev eth0", "10.7.0.0/16 via 10.8.0.1", "fd01::/64 via fe80::1 dev eth0"]\n');
  });
  it("a rule with a prefix that is not one", () => {
    expect(problems('name: x\nnodes:\n  a:\n    rules: ["from 10.0.0.0/129 table 100"]\n')[0]).toMatch(/nodes\.a\.rules\[0\]: "from 10\.0\.0\.0\/129" needs an address or prefix/);
  });
  it("a check timeout no check can wait (1e308)", () => {
    expect(problems("name: x\nnodes:\n  a: {}\nchecks:\n  - { from: a, ping: 10.0.0.1, timeout: 1e308 }\n")[0]).toMatch(/checks\[0\]\.timeout: 1e\+308 is longer than a check may wait \(10m\)/);
  });
  it("replace: is for host routes only", () => {
    expect(problems("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a:\n    networks: [n]\n    routes: [{ to: 10.9.0.0/16, via: 10.0.0.1, replace: true }]\n")[0]).toMatch(/nodes\.a\.routes\[0\]\.replace: replace is for host\.routes/);
  });
});

describe("error reporting is bounded and linear", () => {
  it("50,000 mistakes: the first few hundred located, the rest counted, in seconds", () => {
    const nodes = Array.from({ length: 50_000 }, (_, i) => `  n${i}: { networks: [nope] }`).join("\n");
    const t0 = Date.now();
    let err: LabError | null = null;
    try {
      labFromText(`name: x\nnodes:\n${nodes}\n`, "lab.yaml");
    } catch (e) {
      err = e as LabError;
    }
    expect(err).toBeInstanceOf(LabError);
    expect(err!.problems).toHaveLength(MAX_PROBLEMS);
    expect(err!.more).toBe(50_000 - MAX_PROBLEMS);
    expect(formatProblem(err!.problems[MAX_PROBLEMS - 1])).toMatch(/^lab\.yaml:202:22: nodes\.n199\.networks\[0\]: no network named "nope"/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
  it("a duplicate key is still found, in one pass", () => {
    expect(problems("name: x\nnodes:\n  a: {}\n  b: {}\n  a: {}\n")).toEqual(["lab.yaml:5:3: duplicate key\n  hint: each key may appear once in a mapping"]);
  });
});

describe("text from a lab file cannot act on a terminal or a script", () => {
  it("descriptions and problems show control characters escaped", () => {
    const lab = labFromText('name: x\ndescription: "red \\e[31mALERT\\e[0m\\rover"\n');
    expect(lab.description).toBe("red \\x1b[31mALERT\\x1b[0m\\x0dover");
    expect(printable("a\nb\x07")).toBe("a\\x0ab\\x07");
    expect(table(["A"], [["\x1b]0;title\x07x"]])).not.toMatch(/\x07|\x1b\]/);
  });
  it("every line of a multi-line title is a comment in --dry-run", () => {
    expect(comment("exec on a: echo x\nip link add leak type bridge\rmore")).toBe("# exec on a: echo x\n# ip link add leak type bridge\n# more");
    const lab = labFromText('name: x\nnodes:\n  a:\n    exec: "echo x\\nip link add leak type bridge"\n');
    const script = renderPlan(compile(lab, { stateDir: "/run/netlab/x" }), "netlab up x (/tmp/a\nip link add leak2 type bridge)");
    // The header's second line is a comment; the exec's second line is inside its quotes.
    expect(script).toContain("\n# ip link add leak2 type bridge)\n");
    expect(script.split("\n").filter((l) => /^ip link add leak/.test(l))).toEqual(["ip link add leak type bridge'"]);
    expect(script).toContain("ip netns exec x-a sh -c 'echo x\nip link add leak type bridge'");
  });
  it("the look-closer hint quotes what came from the lab file", () => {
    expect(suggest("http", "http://x/$(id)")).toBe("curl -v 'http://x/$(id)'");
    expect(suggest("tcp", "a;b:80")).toBe("nc -vz -w 2 'a;b' 80");
  });
});

describe("network kinds", () => {
  it("a kind this netlab does not build is refused, naming the kinds it does", () => {
    expect(problems("name: x\nnetworks:\n  o: { kind: vxlan }\n")).toEqual(expect.arrayContaining([expect.stringMatching(/^lab\.yaml:3:3: networks\.o: a vxlan network needs a vni/)]));
    expect(problems("name: x\nnetworks:\n  o: { kind: hub }\n")[0]).toMatch(/networks\.o\.kind: unknown network kind "hub"/);
  });
});

describe("virtual hosts and kinds: bad input", () => {
  const vms = "hosts:\n  vm1: {}\n  vm2: { underlay: 192.168.56.20 }\n";
  it("an unknown host, a node on a network its host does not have", () => {
    expect(problems(`name: x\n${vms}networks:\n  p: { host: vm9, subnet: 10.1.0.0/24 }\n`)[0]).toMatch(/^lab\.yaml:6:8: networks\.p\.host: no virtual host named "vm9"\n {2}hint: hosts: vm1, vm2/);
    expect(problems(`name: x\n${vms}networks:\n  p: { host: vm1, subnet: 10.1.0.0/24 }\nnodes:\n  a: { host: vm2, networks: [p] }\n`)[0]).toMatch(/nodes\.a\.networks\[0\]: node a is on host vm2 and network p on host vm1\n {2}hint: give the node host: vm1/);
    expect(problems(`name: x\n${vms}networks:\n  p: { host: vm1, subnet: 10.1.0.0/24 }\nnodes:\n  a: { networks: [p] }\n`)[0]).toMatch(/node a is on the lab's host and network p on host vm1/);
  });
  it("a duplicate VNI, a duplicate underlay address", () => {
    const ps = problems(`name: x\n${vms}networks:\n  o1: { kind: vxlan, vni: 7 }\n  o2: { kind: vxlan, vni: 7 }\n`);
    expect(ps[0]).toMatch(/networks\.o2\.vni: vni 7 is already network o1's/);
    expect(problems("name: x\nhosts:\n  vm1: { underlay: 192.168.56.20 }\n  vm2: { underlay: 192.168.56.20 }\n")[0]).toMatch(/^lab\.yaml:4:10: hosts\.vm2\.underlay: address 192\.168\.56\.20 is already used by node vm1 on network underlay/);
  });
  it("a parent that is not netlab's, never the machine's own uplink", () => {
    expect(problems(`name: x\n${vms}networks:\n  m: { kind: macvlan, parent: "host:eth0", subnet: 192.168.56.0/24 }\n`)[0]).toMatch(/networks\.m\.parent: host:eth0 is not an interface netlab makes\n {2}hint: a parent is never one of the machine's own interfaces/);
    expect(problems(`name: x\n${vms}networks:\n  m: { kind: macvlan, parent: "vm1:eth7", subnet: 192.168.56.0/24 }\n`)[0]).toMatch(/vm1 has no interface eth7\n {2}hint: vm1 has: eth0/);
    expect(problems(`name: x\n${vms}networks:\n  m: { kind: macvlan, parent: "vm1:eth0", mode: l2, subnet: 192.168.56.0/24 }\n`)[0]).toMatch(/macvlan mode l2 does not exist/);
  });
  it("virtual hosts get .11, .12 … on the underlay, the bridge .1; a vxlan network 50 bytes below the underlay's MTU", () => {
    const lab = labFromText(`name: x\nunderlay: { subnet: 10.56.0.0/24, mtu: 9000 }\n${vms.replace("192.168.56.20", "10.56.0.20")}networks:\n  o: { kind: vxlan, vni: 1, subnet: 10.9.0.0/24 }\n`);
    expect(lab.nodes.map((n) => [n.name, n.intfs[0].addrs[0]])).toEqual([["vm1", "10.56.0.11/24"], ["vm2", "10.56.0.20/24"]]);
    expect(lab.networks.find((n) => n.name === "underlay")!.gateway).toBe("10.56.0.1/24");
    expect(lab.networks.find((n) => n.name === "o")).toMatchObject({ kind: "vxlan", vni: 1, port: 4789, mtu: 8950, spans: ["vm1", "vm2"] });
  });
  it("files go below /etc only; host files need a host of its own", () => {
    expect(problems('name: x\nnodes:\n  a: { files: { "/tmp/x": "y" } }\n')[0]).toMatch(/nodes\.a\.files\["\/tmp\/x"\]: \/tmp\/x is not a file under \/etc/);
    expect(problems('name: x\nnodes:\n  a: { files: { "/etc/../root/x": "y" } }\n')[0]).toMatch(/is not a file under \/etc/);
    expect(problems('name: x\nhost: { files: { "/etc/bird/bird.conf": "y" } }\n')[0]).toMatch(/host\.files: host files need the lab's host to be a namespace of its own/);
  });
});

describe("names: bad input", () => {
  it("a nameserver no network of the node reaches", () => {
    expect(problems("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24, gateway: none }\nnodes:\n  a:\n    networks: [n]\n    dns: { nameservers: [10.9.9.9] }\n")[0]).toMatch(/nodes\.a\.dns\.nameservers\[0\]: nameserver 10\.9\.9\.9 is on no network a reaches, and a has no route to it\n {2}hint: use an address on one of its networks \(10\.0\.0\.0\/24\)/);
    // Through a default route it is fine.
    labFromText("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a:\n    networks: [n]\n    dns: { nameservers: [10.9.9.9] }\n");
  });
  it("aliases are DNS names and never another node's name", () => {
    expect(problems("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a: { networks: { n: { aliases: [b] } } }\n  b: { networks: [n] }\n")[0]).toMatch(/nodes\.a\.networks\.n\.aliases\[0\]: alias "b" is the name of node b on network n/);
    expect(problems("name: x\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a: { networks: { n: { aliases: [\"bad_name!\"] } } }\n")[0]).toMatch(/"bad_name!" is not a DNS name/);
  });
  it("checks that count answers name real nodes and shares", () => {
    expect(problems("name: x\nnodes:\n  a: {}\nchecks:\n  - { from: a, http: \"http://w/\", repeat: 3, answeredBy: [zz] }\n")[0]).toMatch(/checks\[0\]\.answeredBy: no node named "zz"/);
    expect(problems("name: x\nnodes:\n  a: {}\nchecks:\n  - { from: a, http: \"http://w/\", repeat: 3, answeredBy: { a: lots } }\n")[0]).toMatch(/"lots" is not a share/);
  });
});

describe("routes", () => {
  it("routeKey normalises destinations and tables", () => {
    expect(routeKey("default via 10.0.0.1")).toEqual({ dst: "0.0.0.0/0", table: "main", family: 4 });
    expect(routeKey("default via fd00::1 table 254")).toEqual({ dst: "::/0", table: "main", family: 6 });
    expect(routeKey("blackhole 10.0.0.1 table 100")).toEqual({ dst: "10.0.0.1/32", table: "100", family: 4 });
  });
});
