// The promises around up/down: dry-run, rollback, crash recovery, locking, refusals
// before anything is touched, exec, isolation. All inside sandboxes, zero leftovers.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const dir = mkdtempSync(join(tmpdir(), "netlab-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function labFile(name: string, text: string): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, text);
  return f;
}

describe.skipIf(!IS_ROOT)("lifecycle", () => {
  let sb: Sandbox;
  let before: Snapshot;
  const labs = new Set<string>();
  beforeEach(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
  });
  afterEach(async () => {
    for (const l of labs) await sb.netlab(["down", l]);
    labs.clear();
    await sb.destroy();
  });

  it("--dry-run prints a runnable script and touches nothing; the script builds the lab", async () => {
    const r = await sb.netlab(["up", "bridge-in-namespace", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#!\/bin\/sh\n/);
    expect(r.stdout).toContain("nsenter --net=/run/netns/bridge-in-namespace-switch ip -batch -");
    expect(await sb.snapshot()).toEqual(before);
    // Run the script for real (it is self-contained), check, then clean up by hand.
    const script = labFile("dry", r.stdout);
    try {
      const ran = await run(["sh", script]);
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);
      const ping = await run(["ip", "netns", "exec", "bridge-in-namespace-a", "ping", "-c1", "-W1", "10.50.0.1"]);
      expect(ping.code).toBe(0);
    } finally {
      // The script starts the DNS server in the background (ip netns exec … setsid sh -c …): setsid
      // may fork after a first listing, so kill until a listing finds nothing.
      for (const n of ["switch", "a", "b", "c"]) {
        for (let i = 0; i < 60; i++) {
          const pids = (await run(["ip", "netns", "pids", `bridge-in-namespace-${n}`])).stdout.split("\n").filter(Boolean);
          if (!pids.length) break;
          for (const p of pids) try { process.kill(Number(p), "SIGKILL"); } catch { /* gone */ }
          await new Promise((r) => setTimeout(r, 50));
        }
        await run(["ip", "netns", "delete", `bridge-in-namespace-${n}`]);
      }
      await run(["rm", "-rf", "/etc/netns/bridge-in-namespace-a", "/etc/netns/bridge-in-namespace-b", "/etc/netns/bridge-in-namespace-c", "/etc/netns/bridge-in-namespace-switch", "/run/netlab/bridge-in-namespace", "/dev/shm/netlab/bridge-in-namespace"]);
      await run(["sh", "-c", "rmdir /etc/netns /run/netlab /dev/shm/netlab 2>/dev/null; true"]);
    }
    expect(await sb.snapshot()).toEqual(before);
  });

  it("a failing exec rolls everything back and names the command and its error", async () => {
    const f = labFile("failing", `name: failing\nnetworks:\n  n: { subnet: 10.61.0.0/24, nat: true }\nnodes:\n  a: { networks: [n] }\n  b:\n    networks: [n]\n    exec: ["true", "echo about to fail >&2; exit 3"]\n`);
    labs.add("failing");
    const r = await sb.netlab(["up", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failed: exec on b: echo about to fail >&2; exit 3");
    expect(r.stderr).toContain("about to fail");
    expect(r.stderr).toContain("everything netlab had made was removed again");
    expect(await sb.snapshot()).toEqual(before);
  });

  it("a failing kernel command rolls back too (a source address the node does not have)", async () => {
    const f = labFile("badroute", `name: badroute\nnetworks:\n  n: { subnet: 10.62.0.0/24, nat: true }\nnodes:\n  a: { networks: [n] }\n  b:\n    networks: [n]\n    routes: ["10.63.0.0/16 via 10.62.0.2 src 10.99.99.99"]\n`);
    labs.add("badroute");
    const r = await sb.netlab(["up", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failed: ip -n badroute-b route replace 10.63.0.0/16 via 10.62.0.2 src 10.99.99.99");
    expect(r.stderr).toMatch(/Invalid prefsrc address/);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("up killed midway (SIGKILL) leaves a journal from which down removes everything", async () => {
    labs.add("bridge-lab");
    for (const phase of ["namespaces", "host", "nodes"]) {
      const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "up", "bridge-lab"], { env: { ...process.env, NETLAB_TEST_PAUSE_AFTER: phase } });
      await new Promise<void>((resolve, reject) => {
        let err = "";
        child.stderr.on("data", (b: Buffer) => {
          err += b.toString();
          if (err.includes(`paused after ${phase}`)) resolve();
        });
        child.on("exit", () => reject(new Error(`up exited before pausing: ${err}`)));
      });
      child.kill("SIGKILL");
      await new Promise((r) => child.on("close", r));
      expect((await run(["ip", "netns", "list"])).stdout).toContain("bridge-lab-web");
      const st = await sb.netlab(["status"]);
      expect(st.stdout).toMatch(/bridge-lab\s+incomplete/);
      const down = await sb.netlab(["down", "bridge-lab"]);
      expect(down.code).toBe(0);
      expect(await sb.snapshot()).toEqual(before);
    }
  });

  it("an up after an interrupted one cleans up first, then succeeds", async () => {
    labs.add("veth-pair");
    const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "up", "veth-pair"], { env: { ...process.env, NETLAB_TEST_PAUSE_AFTER: "host" } });
    await new Promise<void>((resolve) => child.stderr.on("data", (b: Buffer) => b.toString().includes("paused") && resolve()));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const r = await sb.netlab(["up", "veth-pair"]);
    expect(r.code).toBe(0);
    expect((await sb.exec("veth-pair", "red", "ping -c1 -W1 10.100.0.1")).code).toBe(0);
  });

  it("a lock keeps two runs of one lab apart", async () => {
    labs.add("veth-pair");
    const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "up", "veth-pair"], { env: { ...process.env, NETLAB_TEST_PAUSE_AFTER: "nodes" } });
    await new Promise<void>((resolve) => child.stderr.on("data", (b: Buffer) => b.toString().includes("paused") && resolve()));
    try {
      const second = await sb.netlab(["down", "veth-pair"], { env: { NETLAB_LOCK_WAIT: "0.5" } });
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/another netlab \(pid \d+\) is working on lab veth-pair/);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.on("close", r));
    }
    expect((await sb.netlab(["down", "veth-pair"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("refuses a subnet that overlaps a route of the host, naming it, before touching anything", async () => {
    labs.add("veth-pair");
    await sb.sh("ip link add keep0 type veth peer name keep1 && ip addr add 10.100.0.5/24 dev keep0 && ip link set keep1 up && ip link set keep0 up");
    const withDummy = await sb.snapshot();
    const r = await sb.netlab(["up", "veth-pair"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/labs\/veth-pair\.yaml:\d+:\d+: links\[0\]: 10\.100\.0\.0\/30 overlaps 10\.100\.0\.0\/24 dev keep0/);
    expect(r.stderr).toContain("nothing was changed");
    expect(await sb.snapshot()).toEqual(withDummy);
  });

  it("refuses when a namespace it would make already exists, and leaves it alone", async () => {
    labs.add("veth-pair");
    await run(["ip", "netns", "add", "veth-pair-red"]);
    try {
      const r = await sb.netlab(["up", "veth-pair"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("network namespace veth-pair-red already exists");
      expect((await run(["ip", "netns", "list"])).stdout).toContain("veth-pair-red");
    } finally {
      await run(["ip", "netns", "delete", "veth-pair-red"]);
    }
    expect(await sb.snapshot()).toEqual(before);
  });

  it("refuses a host port that another lab already publishes, before touching anything", async () => {
    labs.add("port-publish");
    labs.add("clash");
    expect((await sb.netlab(["up", "port-publish"])).code).toBe(0);
    const mid = await sb.snapshot();
    const f = labFile("clash", 'name: clash\nnetworks:\n  n: { subnet: 10.64.0.0/24 }\nnodes:\n  x:\n    networks: [n]\n    publish: ["8080:80"]\n');
    const r = await sb.netlab(["up", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clash\.yaml:7:15: nodes\.x\.publish\[0\]: host port 8080\/tcp is already published by lab port-publish \(web: "8080:80"\)/);
    expect(await sb.snapshot()).toEqual(mid);
  });

  it("host.firewall works through netlab's own chains and never touches the host's policies", async () => {
    labs.add("hostfw");
    // Listeners in the sandbox itself, started (and stopped, by pid) by this test.
    const pids: number[] = [];
    for (const port of [2222, 2323, 2424]) {
      const r = await run(["sh", "-c", `ip netns exec ${sb.name} ${NETLAB} serve tcp --port ${port} --name sandbox >/dev/null 2>&1 & echo $!`]);
      pids.push(Number(r.stdout.trim()));
    }
    try {
      const f = labFile("hostfw", `name: hostfw
networks:
  n: { subnet: 10.66.0.0/24 }
nodes:
  a: { networks: [n] }
  b: { networks: [n] }
host:
  firewall:
    input: drop
    allow: ["tcp/2222"]
    rules: ["-A INPUT -s 10.66.0.2 -p tcp --dport 2424 -j ACCEPT"]
checks:
  - { from: a, tcp: "10.66.0.1:2222" }
  - { from: a, tcp: "10.66.0.1:2323", expect: fail, timeout: 1s }
  - { from: a, ping: 10.66.0.1, expect: fail, timeout: 1s }
  - { from: a, tcp: "10.66.0.1:2424" }
  - { from: b, tcp: "10.66.0.1:2424", expect: fail, timeout: 1s }
  - { from: a, ping: b }
`);
      const before2 = await sb.snapshot();
      const r = await sb.netlab(["up", f, "--test"]);
      expect(r.stdout).toMatch(/^6 passed, 0 failed/m);
      expect(r.code).toBe(0);
      expect((await sb.sh("iptables -S INPUT")).stdout).toMatch(/^-P INPUT ACCEPT$/m);
      expect((await sb.sh("iptables -S INPUT")).stdout).toContain('-A INPUT -m comment --comment "netlab:hostfw" -j NL-hostfw-IN');
      expect((await sb.netlab(["down", "hostfw"])).code).toBe(0);
      expect(await sb.snapshot()).toEqual(before2);
    } finally {
      for (const p of pids) process.kill(p, "SIGTERM");
    }
  });

  it("nat6 masquerades IPv6 when asked for (NAT66), and only then", async () => {
    labs.add("nat66");
    const f = labFile("nat66", `name: nat66
networks:
  n: { subnet: 10.67.0.0/24, subnet6: "fd00:67::/64", nat6: true }
  plain: { subnet6: "fd00:69::/64" }
nodes:
  app: { networks: [n] }
  other: { networks: [plain] }
  inet: { run: netlab serve http --port 80 }
links:
  - { endpoints: ["host:wan6", "inet:eth0"], subnet6: "fd00:68::/64" }
checks:
  - { from: app, http: "http://[fd00:68::2]/", contains: "you are fd00:68::1" }
  - { from: other, http: "http://[fd00:68::2]/", expect: fail, timeout: 1s }
`);
    const before2 = await sb.snapshot();
    const r = await sb.netlab(["up", f, "--test"]);
    expect(r.stdout).toMatch(/^2 passed, 0 failed/m);
    expect((await sb.sh("ip6tables-save -t nat")).stdout).toContain("-s fd00:67::/64 ! -o nat66-n");
    expect((await sb.netlab(["down", "nat66"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before2);
  });

  it("bad input: exit 2, file:line:column, a hint, no stack trace, nothing touched", async () => {
    labs.add("bad");
    const f = labFile("bad", "name: bad\nnetworks:\n  n: { subnet: 10.0.0.0/24 }\nnodes:\n  a:\n    networks:\n      n: { ip: 10.9.9.9 }\n");
    const r = await sb.netlab(["up", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:7:12: nodes\.a\.networks\.n\.ip: 10\.9\.9\.9 is outside subnet 10\.0\.0\.0\/24 of network n/);
    expect(r.stderr).toContain("hint:");
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("down FILE takes down the lab up from that file once it no longer reads; one that names another lab now says which is up", async () => {
    labs.add("edited");
    const text = "name: edited\nnodes: { a: {}, b: {} }\nlinks:\n  - { endpoints: [a:eth0, b:eth0] }\n";
    const f = labFile("edited", text);
    expect((await sb.netlab(["up", f])).code).toBe(0);
    writeFileSync(f, "name: edited\nnodes: { a: {}, b: {\n"); // a syntax error since
    // status and test do not guess, but name the lab up from the file.
    for (const cmd of ["status", "test"]) expect((await sb.netlab([cmd, f])).stderr).toContain("up from that file: edited (by name: sudo netlab test edited");
    const r = await sb.netlab(["down", f]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain("edited is down");
    expect(await sb.snapshot()).toEqual(before);
    writeFileSync(f, text);
    expect((await sb.netlab(["up", f])).code).toBe(0);
    writeFileSync(f, "name: renamed\nnodes: { a: {} }\n"); // another lab now: not taken down, but named
    const other = await sb.netlab(["down", f]);
    expect(other.code).toBe(0);
    expect(other.stderr).toContain("edited is up from that file under another name: sudo netlab down edited");
    expect((await sb.netlab(["down", "edited"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("up of a lab up --isolated, without it, says so (not 'a different version'); up --test --rm prints no hint for the lab it removes", async () => {
    labs.add("isol");
    const f = labFile("isol", "name: isol\nnodes: { a: {}, b: {} }\nlinks:\n  - { endpoints: [a:eth0, b:eth0], subnet: 10.77.0.0/30 }\nchecks:\n  - { from: a, ping: 10.77.0.2 }\n");
    expect((await sb.netlab(["up", f, "--isolated"])).code).toBe(0);
    const plain = await sb.netlab(["up", f]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("lab isol is already up isolated");
    expect(plain.stderr).toContain(`sudo netlab up ${f} --isolated is the lab as it is up`);
    expect((await sb.netlab(["up", f, "--isolated"])).stdout).toContain("already up and unchanged");
    expect((await sb.netlab(["down", "isol"])).code).toBe(0);
    const once = await sb.netlab(["up", f, "--test", "--rm"]);
    expect(once.code).toBe(0);
    expect(once.stdout).not.toMatch(/try:|check it:|tear down:|look closer:/);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("not root: says so plainly and exits 3", async () => {
    const r = await run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", NETLAB, "up", "bridge-lab"]);
    expect(r.stderr).toContain("netlab up needs root");
    expect(r.stderr).toContain("sudo");
    expect(r.code).toBe(3);
  });

  it("exec passes stdin, stdout and the exit code through, also for host from outside the sandbox", async () => {
    labs.add("veth-pair");
    expect((await sb.netlab(["up", "veth-pair"])).code).toBe(0);
    const cat = await sb.netlab(["exec", "veth-pair", "red", "--", "cat"], { input: "hello through stdin\n" });
    expect(cat.stdout).toBe("hello through stdin\n");
    expect((await sb.netlab(["exec", "veth-pair", "red", "--", "sh", "-c", "exit 42"])).code).toBe(42);
    // From the root namespace, `host` still means the sandbox the lab was brought up in.
    const host = await run([NETLAB, "exec", "veth-pair", "host", "--", "ip", "-br", "addr", "show", "veth-red"]);
    expect(host.stdout).toContain("10.100.0.1/30");
    const nope = await sb.netlab(["exec", "veth-pair", "blue", "--", "true"]);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toContain('lab veth-pair has no node "blue"');
    const inspect = await sb.netlab(["inspect", "veth-pair", "--json"]);
    const data = JSON.parse(inspect.stdout) as { nodes: { name: string; interfaces: { name: string; addresses: string[] }[] }[] };
    expect(data.nodes.find((n) => n.name === "red")!.interfaces.find((i) => i.name === "eth0")!.addresses).toEqual(["10.100.0.2/30"]);
    expect(data.nodes.find((n) => n.name === "host")!.interfaces.map((i) => i.name)).toEqual(["veth-red"]);
  });

  it("a service that ignores SIGTERM is killed after two seconds, however many processes the machine runs", async () => {
    labs.add("stubborn");
    const file = join(dir, "stubborn.yaml");
    writeFileSync(file, `name: stubborn\nnodes:\n  a: { run: "trap '' TERM; while :; do sleep 1; done" }\n`);
    expect((await sb.netlab(["up", file])).code).toBe(0);
    // Each wait for it reads /proc: with 2,000 more processes a count of waits took 10 s and more.
    const many = spawn("sh", ["-c", "for i in $(seq 2000); do sleep 60 & done; wait"], { stdio: "ignore", detached: true });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      expect((await sb.netlab(["down", "stubborn"])).code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(4500);
    } finally {
      process.kill(-many.pid!, "SIGKILL");
    }
    labs.delete("stubborn");
    expect(await sb.snapshot()).toEqual(before);
  });

  it("--isolated changes nothing in the namespace netlab runs in", async () => {
    labs.add("bridge-lab");
    const r = await sb.netlab(["up", "bridge-lab", "--isolated"]);
    expect(r.code).toBe(0);
    const during = await sb.snapshot();
    expect(during.sandbox).toEqual(before.sandbox);
    expect((await sb.exec("bridge-lab", "web", "ping -c1 -W1 db")).code).toBe(0);
    const host = await sb.exec("bridge-lab", "host", "ip -br addr show bridge-lab-br0");
    expect(host.stdout).toContain("172.20.0.1/24");
    expect((await sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });
});
