// What drift compares a lab that is up with (plan/facts.ts), read off its plan, in every
// namespace; how the live dump is read (runtime/netdump.ts); and the order a batch writes the
// settings of devices it makes itself (issue 24, item 11).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { labFromText, shippedLabs } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { factsOf, type Space } from "../../src/plan/facts.js";
import { parseDump } from "../../src/runtime/netdump.js";
import { renderOp } from "../../src/runtime/ops/index.js";

const shipped = (name: string) => labFromText(readFileSync(shippedLabs().find((f) => f.endsWith(`/${name}.yaml`))!, "utf8"));
const factsFor = (lab: ReturnType<typeof labFromText>) => factsOf(lab, compile(lab, { stateDir: `/run/netlab/${lab.name}` }));
const space = (spaces: Space[], who: string) => spaces.find((s) => s.who === who)!;

describe("facts: what a lab that is up must have, per namespace", () => {
  it("names the VXLAN device, the bridge and the ports on every virtual host, and the forwarding entries", () => {
    const f = factsFor(shipped("docker-overlay"));
    const vm1 = space(f.spaces, "vm1");
    expect(vm1.ns).toBe("docker-overlay-vm1");
    expect(vm1.links).toContainEqual({ name: "vx-overlay", kind: "vxlan", master: "overlay", what: "the VXLAN device of network overlay on vm1" });
    expect(vm1.links).toContainEqual({ name: "overlay", kind: "bridge", what: "the bridge of network overlay on vm1" });
    expect(vm1.links).toContainEqual({ name: "overlay-web1", kind: "veth", master: "overlay", what: "the side of web1:eth0 on vm1" });
    expect(vm1.links).toContainEqual({ name: "eth0", kind: "veth", what: "vm1's interface on network underlay" });
    expect(vm1.fdb).toEqual(["vx-overlay 00:00:00:00:00:00 192.168.56.12", "vx-overlay 00:00:00:00:00:00 192.168.56.13"]);
    expect(vm1.addrs).toEqual(["eth0 192.168.56.11/24"]);
    expect(vm1.routes).toEqual([{ key: "main 0.0.0.0/0", line: "default via 192.168.56.1 dev eth0" }]);
    expect(space(f.spaces, "web1").links).toEqual([{ name: "eth0", kind: "veth", what: "web1's interface on network overlay" }]);
    // The host keeps what it had: the underlay's bridge and its ports, with the same words.
    expect(space(f.spaces, "host").links.map((l) => l.what)).toContain("the host side of vm1:eth0");
  });

  it("has a node's route to the lab's DNS (127.0.0.11 in its local table) and the route_localnet it needs", () => {
    const web = space(factsFor(shipped("bridge-lab")).spaces, "web");
    expect(web.routes).toContainEqual({ key: "local 127.0.0.11/32", line: "127.0.0.11/32 via 172.20.0.1 dev eth0 table local" });
    expect(web.sysctls).toEqual({ "net.ipv4.conf.eth0.route_localnet": "1" });
  });

  it("counts ip rules, iptables rules per chain and qdiscs where the plan makes them; addresses in the kernel's spelling", () => {
    const lab = labFromText(`name: f
networks:
  n: { subnet: 10.0.0.0/24, subnet6: "fd00:0:0:0::/64", in: r, netem: { delay: 5ms } }
nodes:
  r: { forward: true, rules: ["from 10.0.0.0/24 table 100"], firewall: { input: drop } }
  a: { networks: [n] }
`);
    const r = space(factsFor(lab).spaces, "r");
    expect(r.ipRules).toBe(1);
    expect(r.addrs).toContain("n fd00::1/64");
    expect(r.rules?.[4]).toMatchObject({ INPUT: 4 }); // loopback, established, and its DNS server (udp, tcp) for the members of n
    expect(space(factsFor(lab).spaces, "a").qdiscs).toEqual(["eth0 netem"]);
  });
});

describe("the live dump", () => {
  it("reads links with kind and bridge, addresses, routes, rules, forwarding entries, qdiscs and sysctls; a missing sysctl is null", () => {
    const text = "@ /run/netns/x\nL\teth0\tveth\t\nL\tvx0\tvxlan\tbr0\nA\teth0\t10.0.0.2/24\nA\teth0\tfd00:0:0:0:0:0:0:2/64\nR\t255\t127.0.0.11/32\nR\t254\t0.0.0.0/0\nU\t2\nF\tvx0\t00:00:00:00:00:00\t192.168.56.12\nQ\teth0\tnetem\nS\tnet.ipv4.ip_forward\t1\nS\tnet.ipv4.conf.br0.route_localnet\t-\n@ /run/netns/y\tgone\n";
    const [x, y] = parseDump(text, 2);
    expect(x.links.get("vx0")).toEqual({ kind: "vxlan", master: "br0" });
    expect(x.links.get("eth0")).toEqual({ kind: "veth" });
    expect([...x.routes]).toEqual(["local 127.0.0.11/32", "main 0.0.0.0/0"]);
    expect([...x.addrs, ...x.fdb, ...x.qdiscs, x.ipRules]).toEqual(["eth0 10.0.0.2/24", "eth0 fd00::2/64", "vx0 00:00:00:00:00:00 192.168.56.12", "eth0 netem", 2]);
    expect(x.sysctls.get("net.ipv4.conf.br0.route_localnet")).toBeNull();
    expect(y.gone).toBe(true);
  });
});

describe("a batch's own devices", () => {
  it("gets their settings after the batch that makes them: publish on a virtual host writes the bridge's route_localnet after making the bridge", () => {
    const lab = labFromText(`name: vpub
hosts: { vm1: {} }
networks:
  pods: { host: vm1, subnet: 10.44.0.0/24 }
nodes:
  p: { host: vm1, networks: [pods], publish: ["8080:80"] }
`);
    const op = compile(lab, { stateDir: "/run/netlab/vpub" }).phases.flatMap((p) => p.steps).find((s) => s.id === "node:vm1")!.ops[0];
    const text = renderOp(op);
    expect(text.split("\n")[0]).toBe("nsenter --net=/run/netns/vpub-vm1 sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && ip -batch - && echo 1 > /proc/sys/net/ipv4/conf/pods/route_localnet' <<'EOF'");
    expect(text).toMatch(/\nlink add pods address 02:[0-9a-f:]+ type bridge\n/);
    // A device that exists before the batch (a node's eth0, made by the host's cables) is set before it, as always.
    const web = compile(shipped("bridge-lab"), { stateDir: "/run/netlab/bridge-lab" }).phases.flatMap((p) => p.steps).find((s) => s.id === "node:web")!.ops[0];
    expect(renderOp(web).split("\n")[0]).toContain("echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet && exec ip -batch -");
  });
});
