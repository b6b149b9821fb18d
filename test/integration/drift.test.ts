// Drift and repair (issue 24, items 9 and 10): what someone deletes by hand — in the lab's
// host (the sandbox), inside a virtual host, inside a node — makes `status` say degraded and
// name it; `up` makes it again (exit 0), the checks pass again, `down` leaves nothing.
import { readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { eventually, IS_ROOT, labFiles, sandboxEach, type Sandbox } from "./sandbox.js";

const { dir, write } = labFiles("netlab-drift-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Two virtual hosts joined by a VXLAN overlay, and two nodes on a bridge of the lab's host whose
// names come from the lab's DNS (127.0.0.11, routed to the bridge's gateway).
const LAB = `name: drift
hosts: { vm1: {}, vm2: {} }
networks:
  ov: { kind: vxlan, vni: 42, subnet: 10.42.0.0/24 }
  br0: { subnet: 172.31.0.0/24 }
nodes:
  a: { host: vm1, networks: [ov] }
  b: { host: vm2, networks: [ov], run: netlab serve http --port 80 }
  c: { networks: [br0] }
  d: { networks: [br0] }
checks:
  - { from: a, http: "http://10.42.0.2/", contains: "hello from b", timeout: 1s }
  - { from: c, dns: d, equals: 172.31.0.3, timeout: 1s }
`;

async function missing(sb: Sandbox, lab: string): Promise<{ state: string; missing: string }> {
  const st = await sb.netlab(["status", "--json"]);
  const s = (JSON.parse(st.stdout) as { name: string; state: string; missing?: string[] }[]).find((x) => x.name === lab)!;
  return { state: s.state, missing: (s.missing ?? []).join("\n") };
}

/** `down` of `lab` succeeds, and the sandbox is as it was before the test. */
async function downLeavesNothing(t: ReturnType<typeof sandboxEach>, lab: string): Promise<void> {
  expect((await t.sb.netlab(["down", lab])).code).toBe(0);
  t.labs.clear();
  expect(await t.sb.snapshot()).toEqual(t.before);
}

describe.skipIf(!IS_ROOT)("drift and repair", () => {
  const t = sandboxEach();

  it("9. the lab's bridge deleted by hand in its host is made again, with the route_localnet its published port needs", async () => {
    t.labs.add("bridge-lab");
    expect((await t.sb.netlab(["up", "bridge-lab", "--test"])).code).toBe(0);
    await t.sb.sh("ip link delete bridge-lab-br0");
    const s = await missing(t.sb, "bridge-lab");
    expect(s.state).toBe("degraded");
    expect(s.missing).toContain("bridge-lab-br0 (the bridge of network br0) is gone");
    // Checks while it is broken leave the nodes asking for neighbours nobody answers (as in a lab
    // nobody had tested before: what --test resolved is forgotten first).
    await t.sb.sh("for n in web api db; do ip netns exec bridge-lab-$n ip neigh flush all; done");
    // Someone else's device in the host, with an entry of its own still resolving: not the lab's to forget.
    await t.sb.sh("ip link add other0 type veth peer name other1 && ip addr add 10.99.9.1/24 dev other0 && ip link set other0 up && ip link set other1 up; ping -c1 -W1 10.99.9.5 >/dev/null 2>&1; true");
    const others = async () => (await t.sb.sh("ip neigh show dev other0")).stdout;
    expect(await others()).toMatch(/10\.99\.9\.5 .*(INCOMPLETE|FAILED)/);
    expect((await t.sb.netlab(["test", "bridge-lab"])).code).toBe(1);
    const unanswered = async () => (await Promise.all(["web", "api", "db"].map((n) => t.sb.sh(`ip netns exec bridge-lab-${n} ip neigh`)))).map((r) => r.stdout).join("").match(/INCOMPLETE|FAILED/g) ?? [];
    expect((await unanswered()).length).toBeGreaterThan(0);
    const again = await t.sb.netlab(["up", "bridge-lab"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("was up but damaged; made again what was missing");
    expect(await unanswered()).toEqual([]); // asked afresh: an entry left INCOMPLETE would fail a check run at once
    expect(await others()).toMatch(/10\.99\.9\.5 /);
    await t.sb.sh("ip link delete other0");
    expect((await t.sb.sh("sysctl -n net.ipv4.conf.bridge-lab-br0.route_localnet")).stdout.trim()).toBe("1");
    expect((await missing(t.sb, "bridge-lab")).state).toBe("up");
    // A node's own setting (read from its link dump, not /proc/sys): set back by hand, named, made again.
    await t.sb.sh("ip netns exec bridge-lab-web sysctl -qw net.ipv4.conf.eth0.route_localnet=0");
    expect((await missing(t.sb, "bridge-lab")).missing).toContain("sysctl in web: net.ipv4.conf.eth0.route_localnet is 0, the lab set 1");
    expect((await t.sb.netlab(["up", "bridge-lab"])).code).toBe(0);
    expect((await t.sb.sh("ip netns exec bridge-lab-web sysctl -n net.ipv4.conf.eth0.route_localnet")).stdout.trim()).toBe("1");
    const tested = await t.sb.netlab(["test", "bridge-lab"]);
    expect(tested.stdout).toMatch(/^7 passed, 0 failed/m);
    await downLeavesNothing(t, "bridge-lab");
  });

  it("9b. a sysctl the kernel prints otherwise than the lab wrote it (fields apart by a tab, a leading zero) is as set; changed by hand, it is named", async () => {
    t.labs.add("drift-sys");
    const file = write("drift-sys", 'name: drift-sys\nnodes:\n  c: { sysctls: { net.ipv4.ip_local_port_range: "20000 30000", net.ipv4.conf.lo.rp_filter: "02" } }\n');
    expect((await t.sb.netlab(["up", file])).code).toBe(0);
    expect(await missing(t.sb, "drift-sys")).toEqual({ state: "up", missing: "" });
    const again = await t.sb.netlab(["up", file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already up and unchanged");
    await t.sb.sh("ip netns exec drift-sys-c sysctl -qw net.ipv4.ip_local_port_range='20000 30001'");
    expect((await missing(t.sb, "drift-sys")).missing).toContain("net.ipv4.ip_local_port_range is 20000 30001, the lab set 20000 30000");
    expect((await t.sb.netlab(["up", file])).code).toBe(0);
    expect((await t.sb.sh("ip netns exec drift-sys-c sysctl -n net.ipv4.ip_local_port_range")).stdout.trim()).toBe("20000\t30000");
    await downLeavesNothing(t, "drift-sys");
  });

  it("9c. IPv6 turned off by hand on a node's interface is named as the cause, and one up turns it on and puts its addresses and routes back", async () => {
    t.labs.add("dual-stack");
    expect((await t.sb.netlab(["up", "dual-stack"])).code).toBe(0);
    await t.sb.sh("ip netns exec dual-stack-b sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1");
    const s = await missing(t.sb, "dual-stack");
    expect(s.state).toBe("degraded");
    expect(s.missing).toContain("sysctl in b: net.ipv6.conf.eth0.disable_ipv6 is 1, the lab set 0");
    const again = await t.sb.netlab(["up", "dual-stack"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await missing(t.sb, "dual-stack")).toEqual({ state: "up", missing: "" });
    const tested = await t.sb.netlab(["test", "dual-stack"]);
    expect(tested.code, tested.stdout).toBe(0);
    await downLeavesNothing(t, "dual-stack");
  });

  it("9d. a node that turns IPv6 off itself on a dual-stack network gets no IPv6 address (as Docker): up, whole, and unchanged", async () => {
    t.labs.add("drift-v6off");
    const file = write("drift-v6off", 'name: drift-v6off\nnetworks:\n  lan: { subnet: 10.151.0.0/24, subnet6: "fd00:151::/64" }\nnodes:\n  a: { networks: [lan], sysctls: { net.ipv6.conf.all.disable_ipv6: "1" } }\n  b: { networks: [lan] }\nchecks:\n  - { from: a, ping: b }\n');
    const up = await t.sb.netlab(["up", file, "--test"]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(await missing(t.sb, "drift-v6off")).toEqual({ state: "up", missing: "" });
    expect((await t.sb.netlab(["up", file])).stdout).toContain("already up and unchanged");
    expect((await t.sb.sh("ip -n drift-v6off-a -o addr show dev eth0")).stdout).not.toContain("inet6");
    await downLeavesNothing(t, "drift-v6off");
  });

  it("9e. IPv6 turned off by hand on a bridge a node holds: named, and one up puts it and the gateway's address back", async () => {
    t.labs.add("drift-held6");
    const file = write("drift-held6", 'name: drift-held6\nnetworks:\n  lan: { subnet: 10.152.0.0/24, subnet6: "fd00:152::/64", in: sw }\nnodes:\n  sw: {}\n  m: { networks: [lan] }\nchecks:\n  - { from: m, ping: "fd00:152::1" }\n');
    expect((await t.sb.netlab(["up", file, "--test"])).code).toBe(0);
    await t.sb.sh("ip netns exec drift-held6-sw sh -c 'echo 1 > /proc/sys/net/ipv6/conf/lan/disable_ipv6'");
    expect((await missing(t.sb, "drift-held6")).missing).toContain("sysctl in sw: net.ipv6.conf.lan.disable_ipv6 is 1, the lab set 0");
    const again = await t.sb.netlab(["up", file]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await missing(t.sb, "drift-held6")).toEqual({ state: "up", missing: "" });
    expect((await t.sb.netlab(["test", "drift-held6"])).code).toBe(0);
    await downLeavesNothing(t, "drift-held6");
  });

  it("9f. a sysctl this kernel does not have is refused at its line before anything is made", async () => {
    const file = write("drift-knob", "name: drift-knob\nnodes:\n  a:\n    sysctls: { net.ipv4.conf.lo.no_such_knob: 1, net.ipv4.tcp_syncookies: 1 }\n");
    const up = await t.sb.netlab(["up", file]);
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/drift-knob\.yaml:4:16: nodes\.a\.sysctls\["net\.ipv4\.conf\.lo\.no_such_knob"\]: this kernel has no setting net\.ipv4\.conf\.lo\.no_such_knob/);
    expect(up.stderr).toContain("nothing was changed");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("9g. an interface set down by hand (a node's, the lab's bridge) is named and set up again", async () => {
    t.labs.add("bridge-lab");
    expect((await t.sb.netlab(["up", "bridge-lab"])).code).toBe(0);
    await t.sb.sh("ip -n bridge-lab-web link set eth0 down && ip link set bridge-lab-br0 down");
    const s = await missing(t.sb, "bridge-lab");
    expect(s.missing).toContain("eth0 (web's interface on network br0) is down");
    expect(s.missing).toContain("bridge-lab-br0 (the bridge of network br0) is down");
    expect((await t.sb.netlab(["up", "bridge-lab"])).code).toBe(0);
    expect(await missing(t.sb, "bridge-lab")).toEqual({ state: "up", missing: "" });
    expect((await t.sb.netlab(["test", "bridge-lab"])).stdout).toMatch(/^7 passed, 0 failed/m);
    await downLeavesNothing(t, "bridge-lab");
  });

  it("9h. a host sysctl of an interface the host does not have is refused at its line before anything is made", async () => {
    const file = write("drift-hostif", "name: drift-hostif\nhost: { sysctls: { net.ipv4.conf.eth9.rp_filter: 0 } }\nnodes: { a: {} }\n");
    const up = await t.sb.netlab(["up", file]);
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/drift-hostif\.yaml:2:\d+: host\.sysctls\["net\.ipv4\.conf\.eth9\.rp_filter"\]: the host has no interface "eth9"/);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("9i. IPv6 turned off by hand on the lab's bridge in its host: named, and one up puts it and the gateway's address back", async () => {
    t.labs.add("dual-stack");
    expect((await t.sb.netlab(["up", "dual-stack"])).code).toBe(0);
    await t.sb.sh("sysctl -qw net.ipv6.conf.dual-stack-blue.disable_ipv6=1");
    expect((await missing(t.sb, "dual-stack")).missing).toContain("host sysctl net.ipv6.conf.dual-stack-blue.disable_ipv6 is 1, the lab set 0");
    const again = await t.sb.netlab(["up", "dual-stack"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await missing(t.sb, "dual-stack")).toEqual({ state: "up", missing: "" });
    expect((await t.sb.netlab(["test", "dual-stack"])).code).toBe(0);
    await downLeavesNothing(t, "dual-stack");
  });

  it("10. inside virtual hosts and nodes: a VXLAN device, a forwarding entry, a virtual host's bridge, a cable into a node, a node's 127.0.0.11 route", async () => {
    t.labs.add("drift");
    const file = write("drift", LAB);
    const up = await t.sb.netlab(["up", file, "--test"]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect((await missing(t.sb, "drift")).state).toBe("up");
    for (const cmd of [
      ["ip", "-n", "drift-vm1", "link", "delete", "vx-ov"],
      ["bridge", "-n", "drift-vm2", "fdb", "del", "00:00:00:00:00:00", "dev", "vx-ov", "dst", "192.168.56.11"],
      ["ip", "-n", "drift-vm2", "link", "delete", "ov"],
      ["ip", "-n", "drift-a", "link", "delete", "eth0"],
      ["ip", "-n", "drift-c", "route", "del", "127.0.0.11/32", "table", "local"],
    ]) {
      const r = await run(cmd);
      expect(r.code, `${cmd.join(" ")}: ${r.stderr}`).toBe(0);
    }
    const s = await missing(t.sb, "drift");
    expect(s.state).toBe("degraded");
    expect(s.missing).toContain("vx-ov (the VXLAN device of network ov on vm1) is gone");
    expect(s.missing).toContain("forwarding entry 00:00:00:00:00:00 dst 192.168.56.11 of vx-ov in vm2 is gone");
    expect(s.missing).toContain("ov (the bridge of network ov on vm2) is gone");
    expect(s.missing).toContain("eth0 (a's interface on network ov) is gone");
    expect(s.missing).toContain("ov-a (the side of a:eth0 on vm1) is gone");
    expect(s.missing).toContain("route 127.0.0.11/32 via 172.31.0.1 dev eth0 table local in c is gone");
    const broken = await t.sb.netlab(["test", "drift"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^0 passed, 2 failed/m);
    // The hint runs as printed: the lab's name means the file it was brought up from.
    expect(broken.stderr).toContain("sudo netlab up drift makes them again");
    const again = await t.sb.netlab(["up", "drift"]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("was up but damaged; made again what was missing");
    expect(await missing(t.sb, "drift")).toEqual({ state: "up", missing: "" });
    const tested = await t.sb.netlab(["test", "drift"]);
    expect(tested.stdout).toMatch(/^2 passed, 0 failed/m);
    // Unchanged now: nothing to do.
    expect((await t.sb.netlab(["up", file])).stdout).toContain("already up and unchanged");
    await downLeavesNothing(t, "drift");
  });

  it("10c. the lab's DNS server killed: up starts it again and returns once the new one answers", async () => {
    t.labs.add("drift4");
    const file = write("drift4", "name: drift4\nnetworks:\n  br0: { subnet: 172.31.9.0/24 }\nnodes:\n  c: { networks: [br0] }\n  d: { networks: [br0] }\n");
    expect((await t.sb.netlab(["up", file])).code).toBe(0);
    for (let round = 0; round < 2; round++) {
      // The journal's newest server: its process group (the pid is the sh that started it).
      const procs = readFileSync("/run/netlab/drift4/journal.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { t: string; who?: string; pid?: number });
      const server = procs.filter((e) => e.t === "proc" && e.who?.startsWith("_dns")).pop()!;
      const logged = readFileSync("/run/netlab/drift4/logs/dns.log").length;
      process.kill(-server.pid!, "SIGKILL");
      expect(await eventually(async () => /run on _dns.* is not running/.test((await missing(t.sb, "drift4")).missing))).toBe(true);
      const again = await t.sb.netlab(["up", file]);
      expect(again.code, again.stderr).toBe(0);
      // up returned once the new server said it listens (its SIGHUP handler in place), not on the old one's word.
      expect(readFileSync("/run/netlab/drift4/logs/dns.log").subarray(logged).toString()).toContain("listening on 172.31.9.1:53 (udp, tcp)");
      // At once: the old server's "listening" lines in the log are not taken for the new one's.
      expect((await t.sb.exec("drift4", "c", "dig +short +tries=1 +time=1 d")).stdout).toMatch(/^172\.31\.9\.\d+\n$/);
    }
    await downLeavesNothing(t, "drift4");
  });

  it("10b. inside nodes: a firewall rule, a qdisc, an ip rule — each namespace's step runs again without adding anything twice", async () => {
    t.labs.add("drift3");
    const file = write("drift3", `name: drift3
networks:
  lan: { subnet: 10.47.0.0/24 }
nodes:
  web: { networks: [lan], run: netlab serve http --port 80, firewall: { input: drop, allow: ["tcp/80"] } }
  client: { networks: [lan], rules: ["from 10.47.0.0/24 table 100"], routes: ["10.47.0.0/24 dev eth0 table 100"] }
links:
  - { endpoints: ["web:wan0", "client:wan0"], subnet: 10.48.0.0/30, netem: { rate: 8mbit } }
checks:
  - { from: client, http: "http://web/", timeout: 1s }
`);
    expect((await t.sb.netlab(["up", file, "--test"])).code).toBe(0);
    const state = async () => ({
      web: (await run(["ip", "netns", "exec", "drift3-web", "iptables-save"])).stdout.split("\n").filter((l) => !l.startsWith("#")).join("\n").replace(/\[\d+:\d+\]/g, ""),
      rules: (await run(["ip", "-n", "drift3-client", "rule"])).stdout,
      qdisc: (await run(["tc", "-n", "drift3-client", "qdisc", "show", "dev", "wan0"])).stdout.split(" ")[1],
    });
    const whole = await state();
    expect(whole.qdisc).toBe("tbf");
    await run(["ip", "netns", "exec", "drift3-web", "iptables", "-D", "INPUT", "-p", "tcp", "-m", "tcp", "--dport", "80", "-j", "ACCEPT"]);
    await run(["tc", "-n", "drift3-client", "qdisc", "del", "dev", "wan0", "root"]);
    const s = await missing(t.sb, "drift3");
    expect(s.missing).toContain("iptables in web: INPUT holds 2 of the lab's 3 rules");
    expect(s.missing).toContain("the tbf qdisc of wan0 in client is gone");
    expect((await t.sb.netlab(["test", "drift3"])).code).toBe(1);
    expect((await t.sb.netlab(["up", file])).code).toBe(0);
    expect(await state()).toEqual(whole); // the client's ip rule once, web's rules once each
    await run(["ip", "-n", "drift3-client", "rule", "del", "from", "10.47.0.0/24", "table", "100"]);
    expect((await missing(t.sb, "drift3")).missing).toBe("client holds 0 of the lab's 1 ip rule");
    expect((await t.sb.netlab(["up", file])).code).toBe(0);
    expect(await state()).toEqual(whole);
    expect((await t.sb.netlab(["test", "drift3"])).stdout).toMatch(/^1 passed, 0 failed/m);
    await downLeavesNothing(t, "drift3");
  });
});
