// `netlab apply` (issue 20, item 5, first part): the workshop loop — up, edit, apply only the
// difference, curl — on a real kernel. A published port added and removed, a node's firewall
// opened and closed, the host's rules after each apply equal to a fresh `up` of the same file,
// the flows conntrack tracks kept; an edit apply cannot make in place, and a bad file, change
// nothing; down leaves the sandbox as it was.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, IS_ROOT, labFiles, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const base = (publish: string, firewall = "") => `name: applab
networks:
  br0: { subnet: 172.31.40.0/24, nat: true }
nodes:
  web:
    networks: [br0]
    run: netlab serve http --port 80
    publish: [${publish}]${firewall}
  client:
    networks: [br0]
checks:
  - { from: client, http: "http://web/", contains: "hello from web" }
`;

describe.skipIf(!IS_ROOT)("netlab apply", () => {
  let sb: Sandbox;
  let before: Snapshot;
  const files = labFiles("netlab-apply-");
  const file = (text: string) => files.write("applab", text);
  const curl = (port: number) => sb.sh(`curl -sS -m 2 -o /dev/null -w '%{http_code}' http://172.31.40.1:${port}/`).then((r) => r.stdout);
  const rules = async () => (await sb.sh("iptables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]/[0:0]/'")).stdout;
  const flows = async () => (await sb.sh("conntrack -L -p tcp --dport 8080 2>/dev/null | grep -c 172.31.40.2")).stdout.trim();

  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
  });
  afterAll(async () => {
    await sb.netlab(["down", "applab"]);
    rmSync(files.dir, { recursive: true, force: true });
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  it("brings up a lab that is not up, and says unchanged when nothing differs", async () => {
    const f = file(base('"8080:80"'));
    const r = await sb.netlab(["apply", f]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain("applab was not up; it is up");
    expect(await eventually(async () => (await curl(8080)) === "200")).toBe(true);
    const again = await sb.netlab(["apply", f]);
    expect(again.stdout + again.stderr).toContain("applab is up and unchanged");
    const up = await sb.netlab(["up", file(base('"8080:80", "9090:80"'))]);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain("netlab apply");
  });

  it("adds a published port in place: only its commands, the old port and its flows untouched, the rules a fresh up's", async () => {
    expect(await curl(8080)).toBe("200");
    expect(Number(await flows())).toBeGreaterThan(0); // a flow conntrack still tracks (TIME_WAIT)
    const f = file(base('"8080:80", "9090:80"'));
    const dry = await sb.netlab(["apply", f, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("# change: host iptables");
    expect(dry.stdout).toContain("--dport 9090");
    expect(dry.stdout).not.toMatch(/ip -batch|netns add|link add/); // nothing but the rules
    expect(await curl(9090)).not.toBe("200"); // the dry run touched nothing
    const r = await sb.netlab(["apply", f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("applab changed");
    expect(await curl(9090)).toBe("200");
    expect(await curl(8080)).toBe("200");
    expect(Number(await flows())).toBeGreaterThan(0);
    const applied = await rules();
    expect((await sb.netlab(["down", "applab"])).code).toBe(0);
    expect((await sb.netlab(["up", f])).code).toBe(0);
    expect(await rules()).toBe(applied);
  });

  it("closes and opens a node's firewall in place, and takes a published port away again", async () => {
    const closed = file(base('"8080:80"', `\n    firewall: { input: drop, allow: ["tcp/22"] }`));
    expect((await sb.netlab(["apply", closed])).code).toBe(0);
    expect(await curl(8080)).not.toBe("200"); // port 80 is closed on web now
    expect(await curl(9090)).not.toBe("200"); // and 9090 is published no more
    expect(await rules()).not.toContain("9090");
    const open = file(base('"8080:80"'));
    expect((await sb.netlab(["apply", open])).code).toBe(0);
    expect(await curl(8080)).toBe("200");
    expect((await sb.netlab(["test", "applab"])).code).toBe(0);
    expect((await sb.exec("applab", "web", "iptables -S INPUT")).stdout).toContain("-P INPUT ACCEPT");
  });

  it("a SIGKILL at any moment of an apply: the next apply finishes the change, and down removes everything", async () => {
    const [a, b] = [base('"8080:80"'), base('"8080:80", "9090:80"', `\n    firewall: { input: drop, allow: ["tcp/80"] }`)];
    const want = new Map<string, string>();
    for (const v of [b, a]) {
      expect((await sb.netlab(["apply", file(v)])).code).toBe(0);
      want.set(v, await rules());
    }
    let now = a;
    const killed: string[] = [];
    // Killed once it says which step it changes, and then a little later each time.
    for (const ms of [0, 15, 30, 45, 60, 75, 90]) {
      const next = now === a ? b : a;
      const f = file(next);
      // The whole process group, as a killed terminal would: netlab and the tools it runs.
      const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "apply", f], { detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
      const exited = new Promise<string | null>((r) => child.on("close", (_c, sig) => r(sig)));
      await new Promise<void>((r) => {
        child.stderr!.on("data", (d: Buffer) => d.toString().includes("host iptables") && r());
        void exited.then(() => r());
      });
      await new Promise((r) => setTimeout(r, ms));
      try { process.kill(-child.pid!, "SIGKILL"); } catch { /* finished already */ }
      if ((await exited) === "SIGKILL") killed.push(`${ms} ms: ${(await rules()) === want.get(next) ? "after the host's rules" : (await rules()) === want.get(now) ? "before them" : "midway"}`);
      const again = await sb.netlab(["apply", f]);
      expect({ ms, code: again.code, err: again.stderr }).toMatchObject({ code: 0 });
      expect({ ms, rules: await rules() }).toEqual({ ms, rules: want.get(next) });
      now = next;
    }
    // Kills must land while apply runs, or this proves nothing (on this VM: before the host's
    // rules change, and after them with the node's step and lab.json still to come).
    expect(killed.length).toBeGreaterThan(1);
    console.log(`apply killed at ${killed.join("; ")}`);
    // Killed midway, then taken down: nothing is left; then up again for the tests after.
    const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "apply", file(now === a ? b : a)], { detached: true, stdio: "ignore" });
    const exited = new Promise((r) => child.on("close", r));
    await new Promise((r) => setTimeout(r, 300));
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* finished already */ }
    await exited;
    expect((await sb.netlab(["down", "applab"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
    expect((await sb.netlab(["up", file(a)])).code).toBe(0);
    expect(await eventually(async () => (await curl(8080)) === "200")).toBe(true);
  });

  it("a host firewall comes and goes; the dry run shows the chain and the jump it removes", async () => {
    const fw = file(base('"8080:80"').replace("nodes:", "host:\n  firewall: { input: drop, allow: [\"tcp/8080\"] }\nnodes:"));
    expect((await sb.netlab(["apply", fw])).code).toBe(0);
    expect(await rules()).toContain(":NL-applab-IN - ");
    const plain = file(base('"8080:80"'));
    const dry = await sb.netlab(["apply", plain, "--dry-run"]);
    expect(dry.stdout).toContain("-X NL-applab-IN");
    expect(dry.stdout).toMatch(/^-D INPUT .*-j NL-applab-IN$/m);
    expect((await sb.netlab(["apply", plain])).code).toBe(0);
    expect(await rules()).not.toContain("NL-applab-IN");
  });

  it("gives a lab that had no host rules at all its first ones, and takes them away again", async () => {
    const bare = (host: string) => files.write("applab3", `name: applab3\n${host}networks:\n  b0: { subnet: 172.31.42.0/24, dns: false }\nnodes:\n  a: { networks: [b0] }\n`);
    expect((await sb.netlab(["up", bare("")])).code).toBe(0);
    try {
      expect(await rules()).not.toContain("NL-applab3-");
      expect((await sb.netlab(["apply", bare('host:\n  firewall: { input: drop, allow: ["tcp/22"] }\n')])).code).toBe(0);
      expect(await rules()).toContain(":NL-applab3-IN - ");
      expect((await sb.netlab(["apply", bare("")])).code).toBe(0);
      expect(await rules()).not.toContain("NL-applab3-");
    } finally {
      expect((await sb.netlab(["down", "applab3"])).code).toBe(0);
    }
  });

  it("refuses a host port another lab publishes, as up does, touching nothing", async () => {
    const other = files.write("applab2", "name: applab2\nnetworks:\n  n: { subnet: 172.31.41.0/24 }\nnodes:\n  a: { networks: [n], publish: [\"7070:80\"] }\n");
    expect((await sb.netlab(["up", other])).code).toBe(0);
    try {
      const live = await rules();
      const r = await sb.netlab(["apply", file(base('"8080:80", "7070:80"'))]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/applab\.yaml:\d+:\d+: nodes\.web\.publish\[1\]: host port 7070\/tcp is already published by lab applab2/);
      expect(await rules()).toBe(live);
    } finally {
      expect((await sb.netlab(["down", "applab2"])).code).toBe(0);
    }
  });

  it("forgets only the flows whose translation changed: a UDP port published anew, one no longer published", async () => {
    const udp = (ports: number[]) => file(base(ports.map((p) => `"${p}:53/udp"`).join(", ")));
    const flow = (port: number) => sb.sh(`echo x | nc -u -w0 172.31.40.1 ${port}; conntrack -L -p udp --orig-port-dst ${port} 2>/dev/null | wc -l`);
    expect((await sb.netlab(["apply", udp([5353])])).code).toBe(0);
    expect((await flow(5353)).stdout.trim()).not.toBe("0");
    expect((await sb.netlab(["apply", udp([5353, 5354])])).code).toBe(0);
    expect((await sb.sh("conntrack -L -p udp --orig-port-dst 5353 2>/dev/null | wc -l")).stdout.trim()).not.toBe("0"); // untouched port: kept
    expect((await flow(5354)).stdout.trim()).not.toBe("0");
    expect((await sb.netlab(["apply", udp([5353])])).code).toBe(0);
    expect((await sb.sh("conntrack -L -p udp --orig-port-dst 5354 2>/dev/null | wc -l")).stdout.trim()).toBe("0"); // unpublished: its flows go
    expect((await sb.sh("conntrack -L -p udp --orig-port-dst 5353 2>/dev/null | wc -l")).stdout.trim()).not.toBe("0");
    expect((await sb.netlab(["apply", file(base('"8080:80"'))])).code).toBe(0);
  });

  it("a command that fails midway leaves the change pending: applying either version finishes it", async () => {
    const ok = file(base('"8080:80"', `\n    firewall: { input: drop, allow: ["tcp/80"] }`));
    expect((await sb.netlab(["apply", ok])).code).toBe(0);
    const good = (await sb.exec("applab", "web", "iptables -S INPUT")).stdout;
    const ports = Array.from({ length: 16 }, (_, i) => i + 1).join(",");
    const bad = file(base('"8080:80", "9090:80"', `\n    firewall: { input: drop, allow: ["tcp/80"], rules: ["-A INPUT -p tcp -m multiport --dports ${ports} -j ACCEPT"] }`));
    const r = await sb.netlab(["apply", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the lab is partly changed");
    const back = await sb.netlab(["apply", file(base('"8080:80"', `\n    firewall: { input: drop, allow: ["tcp/80"] }`))]);
    expect(back.stdout + back.stderr).toContain("applab changed");
    expect((await sb.exec("applab", "web", "iptables -S INPUT")).stdout).toBe(good);
    expect(await rules()).not.toContain("9090");
    expect((await sb.netlab(["apply", file(base('"8080:80"'))])).code).toBe(0);
  });

  it("after two unfinished applies, the next one redoes every step either touched", async () => {
    const fw = (allow: string, extra = "") => `\n    firewall: { input: drop, allow: [${allow}] }${extra}`;
    const ports = Array.from({ length: 16 }, (_, i) => i + 1).join(",");
    const badRule = `, rules: ["-A INPUT -p tcp -m multiport --dports ${ports} -j ACCEPT"]`;
    const v1 = file(base('"8080:80"', fw('"tcp/80"')));
    expect((await sb.netlab(["apply", v1])).code).toBe(0);
    const good = (await sb.exec("applab", "web", "iptables -S INPUT")).stdout;
    // web gets tcp/81, then client's rule fails.
    const v2 = base('"8080:80"', fw('"tcp/80", "tcp/81"')).replace("  client:\n    networks: [br0]\n", `  client:\n    networks: [br0]\n    firewall: { input: drop${badRule} }\n`);
    expect((await sb.netlab(["apply", file(v2)])).code).toBe(1);
    // The host's rules fail before any node is touched.
    const v3 = base('"8080:80"', fw('"tcp/80"')).replace("nodes:", `host:\n  firewall: { input: drop, allow: ["tcp/22"]${badRule} }\nnodes:`);
    expect((await sb.netlab(["apply", file(v3)])).code).toBe(1);
    expect((await sb.netlab(["up", v1])).stderr).toContain("did not finish");
    expect((await sb.netlab(["apply", file(base('"8080:80"', fw('"tcp/80"')))])).code).toBe(0);
    expect((await sb.exec("applab", "web", "iptables -S INPUT")).stdout).toBe(good);
    expect((await sb.exec("applab", "client", "iptables -S INPUT")).stdout).toBe("-P INPUT ACCEPT\n");
    expect(await rules()).not.toContain("NL-applab-IN");
    expect((await sb.netlab(["apply", file(base('"8080:80"'))])).code).toBe(0);
  });

  it("refuses to reload the tables of a node whose exec: commands may have added rules", async () => {
    const withExec = (allow: string) => file(base('"8080:80"', `\n    exec: ["iptables -N MINE"]\n    firewall: { input: drop, allow: [${allow}] }`));
    expect((await sb.netlab(["down", "applab"])).code).toBe(0);
    expect((await sb.netlab(["up", withExec('"tcp/80"')])).code).toBe(0);
    const r = await sb.netlab(["apply", withExec('"tcp/80", "tcp/81"')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("node web's rules (its exec: commands may have added rules");
    expect((await sb.exec("applab", "web", "iptables -S MINE")).code).toBe(0);
    expect((await sb.netlab(["down", "applab"])).code).toBe(0);
    expect((await sb.netlab(["up", file(base('"8080:80"'))])).code).toBe(0);
  });

  it("changes a link's impairment in place: the rate replaced, then removed, then on the other link", async () => {
    const slow = (a: string, b: string) => files.write("applab4", `name: applab4\nnodes:\n  s: {}\n  x: {}\n  y: {}\nlinks:\n  - { endpoints: ["s:wan0", "x:wan0"], subnet: 10.231.0.0/30${a} }\n  - { endpoints: ["s:eth1", "y:eth1"], subnet: 10.231.1.0/30${b} }\n`);
    const qdisc = async (node: string, dev: string) => (await sb.exec("applab4", node, `tc qdisc show dev ${dev} root`)).stdout;
    expect((await sb.netlab(["up", slow(", netem: { rate: 8mbit }", "")])).code).toBe(0);
    try {
      expect(await qdisc("x", "wan0")).toMatch(/tbf .*rate 8Mbit/);
      const r = await sb.netlab(["apply", slow(", netem: { rate: 2mbit }", "")]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("configure x");
      expect(await qdisc("x", "wan0")).toMatch(/tbf .*rate 2Mbit/);
      expect(await qdisc("s", "wan0")).toMatch(/tbf .*rate 2Mbit/);
      expect((await sb.netlab(["apply", slow("", ", netem: { rate: 4mbit }")])).code).toBe(0);
      expect(await qdisc("x", "wan0")).not.toContain("tbf");
      expect(await qdisc("y", "eth1")).toMatch(/tbf .*rate 4Mbit/);
      // Its record follows: up of the same file finds everything as it should be (no drift to mend).
      expect((await sb.netlab(["up", slow("", ", netem: { rate: 4mbit }")])).stdout).toContain("already up and unchanged");
    } finally {
      expect((await sb.netlab(["down", "applab4"])).code).toBe(0);
    }
  });

  it("makes and deletes links: between nodes that stay, with a node that comes and goes; the others untouched, up finds nothing to mend", async () => {
    const L = "applab9";
    const lab = (nodes: string, links: string[]) => files.write(L, `name: ${L}\nnodes:\n  a: {}\n  b: {}\n${nodes}links:\n${links.map((l) => `  - ${l}\n`).join("")}`);
    const ab = `{ endpoints: ["a:eth1", "b:eth1"], subnet: 10.232.0.0/30 }`;
    const bc = `{ endpoints: ["b:eth2", "c:eth1"], subnet: 10.232.1.0/30, netem: { rate: 8mbit } }`;
    const ping = (node: string, to: string) => sb.exec(L, node, `ping -c1 -W1 ${to}`).then((r) => r.code);
    const ifindex = () => sb.exec(L, "a", "cat /sys/class/net/eth1/ifindex").then((r) => r.stdout);
    expect((await sb.netlab(["up", lab("", [ab])])).code).toBe(0);
    try {
      const kept = await ifindex();
      // c comes with a link to b: its cable made, b's end set up and shaped, a's link untouched.
      const add = await sb.netlab(["apply", lab("  c: {}\n", [ab, bc])]);
      expect(add.code).toBe(0);
      expect(add.stdout).toContain("cables of nodes c, b");
      expect(await ping("c", "10.232.1.1")).toBe(0);
      expect((await sb.exec(L, "b", "tc qdisc show dev eth2 root")).stdout).toMatch(/tbf .*rate 8Mbit/);
      expect(await ifindex()).toBe(kept);
      // The first link goes, the second stays where it is (a link is its ends, not its place in links:).
      const drop = await sb.netlab(["apply", lab("  c: {}\n", [bc])]);
      expect(drop.code).toBe(0);
      expect((await sb.exec(L, "a", "ip -o link show eth1")).code).not.toBe(0);
      expect(await ping("c", "10.232.1.1")).toBe(0);
      expect((await sb.netlab(["up", lab("  c: {}\n", [bc])])).stdout).toContain("already up and unchanged");
      // c goes again, with its link: b's end goes with it.
      expect((await sb.netlab(["apply", lab("", [ab])])).code).toBe(0);
      expect((await sb.exec(L, "b", "ip -o link show eth2")).code).not.toBe(0);
      expect(await ping("a", "10.232.0.2")).toBe(0);
      expect((await sb.netlab(["up", lab("", [ab])])).stdout).toContain("already up and unchanged");
    } finally {
      expect((await sb.netlab(["down", L])).code).toBe(0);
    }
  });

  it("sets a node's own sysctls and writes its files in place; a dropped file is gone from its /etc", async () => {
    const L = "applab10";
    const lab = (ttl: number, own: string) => files.write(L, `name: ${L}\nnodes:\n  a:\n    sysctls: { net.ipv4.ip_default_ttl: ${ttl} }\n    files: { ${own} }\n`);
    const inA = (cmd: string) => sb.exec(L, "a", cmd).then((r) => r.stdout.trim());
    expect((await sb.netlab(["up", lab(33, '/etc/motd: "hi\\n", /etc/issue: "x\\n"')])).code).toBe(0);
    try {
      expect([await inA("sysctl -n net.ipv4.ip_default_ttl"), await inA("cat /etc/motd")]).toEqual(["33", "hi"]);
      const r = await sb.netlab(["apply", lab(44, '/etc/motd: "bye\\n"')]);
      expect(r.code).toBe(0);
      expect([await inA("sysctl -n net.ipv4.ip_default_ttl"), await inA("cat /etc/motd"), await inA("grep -cx x /etc/issue || true")]).toEqual(["44", "bye", "0"]);
      expect((await sb.netlab(["up", lab(44, '/etc/motd: "bye\\n"')])).stdout).toContain("already up and unchanged");
    } finally {
      expect((await sb.netlab(["down", L])).code).toBe(0);
    }
  });

  it("changes a node's routes and ip rules in place, and its record follows", async () => {
    const routed = (routes: string, rules: string) => files.write("applab5", `name: applab5\nnodes:\n  a:\n    routes: [${routes}]\n    rules: [${rules}]\n  b: {}\nlinks:\n  - { endpoints: ["a:eth0", "b:eth0"], subnet: 10.231.2.0/30 }\n`);
    const ip = async (what: string) => (await sb.exec("applab5", "a", `ip ${what}`)).stdout;
    expect((await sb.netlab(["up", routed('"10.99.0.0/24 via 10.231.2.2"', '"from 10.231.2.1 table 100"')])).code).toBe(0);
    try {
      const f = routed('"10.98.0.0/24 via 10.231.2.2", "default via 10.231.2.2 table 100"', '"to 10.97.0.0/24 table 100"');
      const dry = await sb.netlab(["apply", f, "--dry-run"]);
      expect(dry.stdout).toContain("route del 10.99.0.0/24 via 10.231.2.2");
      const r = await sb.netlab(["apply", f]);
      expect(r.code).toBe(0);
      expect(await ip("route")).toContain("10.98.0.0/24 via 10.231.2.2");
      expect(await ip("route")).not.toContain("10.99.0.0");
      expect(await ip("route show table 100")).toContain("default via 10.231.2.2");
      expect(await ip("rule")).toContain("to 10.97.0.0/24 lookup 100");
      expect(await ip("rule")).not.toContain("from 10.231.2.1 lookup 100");
      expect((await sb.netlab(["apply", f])).stdout).toContain("unchanged");
      expect((await sb.netlab(["up", f])).stdout).toContain("already up and unchanged"); // no drift: the record follows
    } finally {
      expect((await sb.netlab(["down", "applab5"])).code).toBe(0);
    }
  });

  it("restarts a node's run: service whose command changed, and stops one the file drops; status stays clean", async () => {
    const say = (name: string) => file(base('"8080:80"').replace("run: netlab serve http --port 80", `run: netlab serve http --port 80 --name ${name}`));
    const dry = await sb.netlab(["apply", say("changed"), "--dry-run"]);
    expect(dry.stdout).toContain("# change: restart on web: netlab serve http --port 80 --name changed");
    expect((await sb.netlab(["apply", say("changed")])).code).toBe(0);
    const body = () => sb.sh("curl -sS -m 2 http://172.31.40.1:8080/").then((r) => r.stdout);
    expect(await body()).toContain("hello from changed");
    const st = await sb.netlab(["status", "applab"]);
    expect(st.stdout + st.stderr).not.toMatch(/not running|degraded|missing/);
    const none = file(base('"8080:80"').replace("    run: netlab serve http --port 80\n", ""));
    expect((await sb.netlab(["apply", none])).code).toBe(0);
    expect(await body()).toBe("");
    expect((await sb.netlab(["up", none])).stdout).not.toContain("repair");
    expect((await sb.netlab(["apply", file(base('"8080:80"'))])).code).toBe(0);
    expect(await eventually(async () => (await body()).includes("hello from web"))).toBe(true);
  });

  it("refuses what it cannot change in place, and a bad file, touching nothing", async () => {
    const live = await rules();
    const mtu = await sb.netlab(["apply", file(base('"8080:80"').replace("nat: true", "nat: true, mtu: 1400"))]);
    expect(mtu.code).toBe(2);
    expect(mtu.stderr).toContain("network br0: mtu");
    expect(mtu.stderr).toMatch(/hint: sudo netlab down applab && sudo netlab up \S+applab\.yaml\n/);
    const exec = await sb.netlab(["apply", file(base('"8080:80"').replace("  client:\n    networks: [br0]\n", "  client:\n    networks: [br0]\n    exec: [\"true\"]\n"))]);
    expect(exec.code).toBe(2);
    expect(exec.stderr).toContain("node client: exec");
    const bad = await sb.netlab(["apply", file(base('"8080:80"').replace("nat: true", "nat: maybe"))]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/applab\.yaml:3:\d+/);
    expect(await rules()).toBe(live);
    expect(await curl(8080)).toBe("200");
  });

  it("adds and removes nodes in place: the others keep their addresses, names follow at once, nothing of the removed one stays", async () => {
    const addr = (node: string) => sb.sh(`ip netns exec applab-${node} ip -4 -o addr show dev eth0`).then((r) => / inet (\S+)/.exec(r.stdout)?.[1]);
    const [web, client] = [await addr("web"), await addr("client")];
    const added = file(base('"8080:80"').replace("  client:\n", "  extra:\n    networks: [br0]\n    run: netlab serve http --port 80\n  client:\n") + '  - { from: client, http: "http://extra/", contains: "hello from extra" }\n');
    const dry = await sb.netlab(["apply", added, "--dry-run"]);
    expect(dry.stdout).toContain("netns add applab-extra");
    expect(dry.stdout).not.toMatch(/netns add applab-(web|client)|link add \S+ (address \S+ )?type bridge/);
    const r = await sb.netlab(["apply", added]);
    expect(r.stderr).not.toMatch(/error|not read/);
    expect(r.code).toBe(0);
    expect([await addr("web"), await addr("client")]).toEqual([web, client]);
    expect((await sb.sh("ip netns exec applab-client getent hosts extra")).stdout).toMatch(/^172\.31\.40\.\d+\s+extra/); // the DNS server reloaded
    const t = await sb.netlab(["test", "applab"]);
    expect(t.stdout).toContain("2 passed, 0 failed");
    expect(t.code).toBe(0);
    expect((await sb.netlab(["up", added])).stdout).not.toContain("repair");
    // extra goes, client moves to a static address: its name follows it.
    const extraEnd = (await sb.sh("ip -o link show | grep -c 'applab:extra:eth0'")).stdout.trim();
    expect(extraEnd).toBe("1");
    const moved = file(base('"8080:80"').replace("  client:\n    networks: [br0]\n", "  client:\n    networks: { br0: { ip: 172.31.40.50 } }\n"));
    const gone = await sb.netlab(["apply", moved]);
    expect(gone.code).toBe(0);
    expect((await sb.sh("ip netns list")).stdout).not.toContain("applab-extra");
    expect((await sb.sh("ip -o link show | grep -c 'applab:extra:eth0'")).stdout.trim()).toBe("0");
    expect((await sb.sh("ip netns exec applab-web getent hosts client")).stdout).toMatch(/^172\.31\.40\.50\s+client/);
    expect(await addr("web")).toBe(web);
    const t2 = await sb.netlab(["test", "applab"]);
    expect(t2.code).toBe(0);
    const st = await sb.netlab(["status", "applab"]);
    expect(st.stdout + st.stderr).not.toMatch(/not running|degraded|missing/);
  });

  it("adds a network with a node on it, and removes both: the bridge and its DNS made and gone, the rules a fresh up's", async () => {
    // client keeps the static address the test before gave it: a fresh up numbers it the same.
    const was = base('"8080:80"').replace("  client:\n    networks: [br0]\n", "  client:\n    networks: { br0: { ip: 172.31.40.50 } }\n");
    const backText = was.replace("nat: true }\n", "nat: true }\n  back: { subnet: 172.31.47.0/24 }\n").replace("  client:\n", "  db:\n    networks: [back]\n    run: netlab serve http --port 80\n  client:\n") + "  - { from: db, dns: db }\n  - { from: client, tcp: \"db:80\", expect: fail }\nrecords:\n  - { name: www.lab, type: CNAME, data: db }\n  - { name: _http._tcp.db.lab, type: SRV, data: 0 100 80 db }\n";
    const back = file(backText);
    const dry = await sb.netlab(["apply", back, "--dry-run"]);
    expect(dry.stdout).toContain("# change: make network back");
    expect(dry.stdout).toMatch(/link add applab-back address \S+ type bridge/);
    const r = await sb.netlab(["apply", back]);
    expect(r.stderr).not.toMatch(/error|not read/);
    expect(r.code).toBe(0);
    const t = await sb.netlab(["test", "applab"]);
    expect(t.stdout).toContain("3 passed, 0 failed");
    // records: through the real server, on the network apply added.
    expect((await sb.exec("applab", "db", "dig +short www.lab")).stdout).toMatch(/^db\.\n172\.31\.47\.\d+\n$/);
    expect((await sb.exec("applab", "db", "dig +short SRV _http._tcp.db.lab")).stdout).toBe("0 100 80 db.\n");
    // client joins back too (docker network connect): db is reachable and named for it now.
    const joined = file(backText.replace("    networks: { br0: { ip: 172.31.40.50 } }\n", "    networks: { br0: { ip: 172.31.40.50 }, back: {} }\n").replace("expect: fail }", "expect: pass }"));
    const j = await sb.netlab(["apply", joined]);
    expect(j.stdout + j.stderr).toContain("cables of node client");
    expect(j.code).toBe(0);
    expect((await sb.netlab(["test", "applab"])).stdout).toContain("3 passed, 0 failed");
    expect((await sb.exec("applab", "client", "getent hosts db")).stdout).toMatch(/^172\.31\.47\.\d+\s+db/);
    const applied = await rules();
    expect((await sb.netlab(["down", "applab"])).code).toBe(0);
    expect((await sb.netlab(["up", joined])).code).toBe(0);
    expect(await rules()).toBe(applied);
    // back goes, with db, and client leaves it, in one apply.
    const r2 = await sb.netlab(["apply", file(was)]);
    expect(r2.code).toBe(0);
    expect((await sb.sh("ip link show applab-back")).code).not.toBe(0);
    expect((await sb.sh("ip netns list")).stdout).not.toContain("applab-db");
    expect((await sb.sh("cat /run/netlab/applab/logs/dns.log")).stdout).toContain("stopped listening on 172.31.47.1:53");
    expect((await sb.netlab(["test", "applab"])).code).toBe(0);
  });

  it("a DNS server left with no network to serve stays, and answers again once apply brings one back", async () => {
    const quiet = `name: appdns\nnetworks:\n  legacy: { subnet: 172.31.48.0/24, dns: false }\nnodes:\n  a: { networks: [legacy] }\n`;
    const named = quiet.replace("nodes:\n", "  user: { subnet: 172.31.49.0/24 }\nnodes:\n") + "  c: { networks: [user] }\n  d: { networks: [user] }\nrecords:\n  - { name: bar.example, type: A, data: 10.96.0.7 }\n";
    expect((await sb.netlab(["up", files.write("appdns", quiet)])).code).toBe(0);
    try {
      for (let round = 0; round < 2; round++) {
        const t0 = Date.now();
        const r = await sb.netlab(["apply", files.write("appdns", named)]);
        expect(r.stderr).not.toMatch(/not read|not answering/);
        expect(r.code).toBe(0);
        expect(Date.now() - t0).toBeLessThan(4_000); // not the 5 s of a wait for a server that never answers
        expect((await sb.exec("appdns", "c", "dig +short d")).stdout).toMatch(/^172\.31\.49\.\d+\n$/);
        expect((await sb.exec("appdns", "c", "dig +short bar.example")).stdout).toBe("10.96.0.7\n");
        // user goes with c and d: the server stops listening there, and stays for the next round.
        expect((await sb.netlab(["apply", files.write("appdns", quiet)])).code).toBe(0);
        const st = await sb.netlab(["status", "appdns"]);
        expect(st.stdout + st.stderr).not.toMatch(/not running/);
        if (round > 0) continue;
        // Killed while it serves nothing: this version has no server to miss; the next round starts a new one.
        const journal = readFileSync("/run/netlab/appdns/journal.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { t: string; who?: string; pid?: number });
        process.kill(-journal.filter((e) => e.t === "proc" && e.who === "_dns").pop()!.pid!, "SIGKILL");
        await new Promise((r) => setTimeout(r, 200));
        expect((await sb.netlab(["status", "appdns"])).stdout).not.toMatch(/degraded/);
        const again = await sb.netlab(["up", files.write("appdns", quiet)]);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toContain("already up and unchanged");
      }
    } finally {
      await sb.netlab(["down", "appdns"]);
    }
  });

  it("adds and removes pods on a bridge a node holds (a cluster node's cni0): the cable from the host, the port in the node", async () => {
    const pods = (names: string[]) => `name: podlab
networks:
  lan: { subnet: 172.31.41.0/24 }
  cni0: { subnet: 10.244.1.0/24, in: node1 }
nodes:
  node1: { networks: [lan], forward: true }
${names.map((p) => `  ${p}: { networks: [cni0], run: netlab serve http --port 80 --name ${p} }`).join("\n")}
`;
    const f = (names: string[]) => files.write("podlab", pods(names));
    expect((await sb.netlab(["up", f(["web-0", "web-1"])])).code).toBe(0);
    const r = await sb.netlab(["apply", f(["web-0", "web-1", "web-2"])]);
    expect(r.stdout).toContain("create the namespaces of node web-2");
    expect(r.code).toBe(0);
    const from = (node: string, ip: string) => sb.sh(`ip netns exec podlab-${node} curl -sS -m 2 http://${ip}/`).then((x) => x.stdout);
    expect(await eventually(async () => (await from("web-0", "10.244.1.4")).includes("hello from web-2"))).toBe(true);
    expect(await from("node1", "10.244.1.4")).toContain("hello from web-2");
    expect((await sb.netlab(["apply", f(["web-1", "web-2"])])).code).toBe(0);
    expect((await sb.sh("ip netns list")).stdout).not.toContain("podlab-web-0 ");
    expect((await sb.sh("ip -n podlab-node1 -o link show master cni0")).stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect(await from("web-1", "10.244.1.4")).toContain("hello from web-2"); // web-2 kept its address
    expect((await sb.netlab(["up", f(["web-1", "web-2"])])).stdout).not.toContain("repair");
    expect((await sb.netlab(["down", "podlab"])).code).toBe(0);
  });

  it("publishes a lab's first port (host sysctls held, hairpin set), keeps the bridge's MAC through nodes coming and going, and up of the applied file is unchanged", async () => {
    const lab = (web: string, extra = "") => `name: publab\nnetworks:\n  br0: { subnet: 172.31.42.0/24 }\nnodes:\n  web: { networks: [br0], run: netlab serve http --port 80${web} }\n  api: { networks: [br0] }\n${extra}`;
    const f = (text: string) => files.write("publab", text);
    expect((await sb.netlab(["up", f(lab(""))])).code).toBe(0);
    const mac = async () => (await sb.sh("cat /sys/class/net/publab-br0/address")).stdout.trim();
    const first = await mac();
    const r = await sb.netlab(["apply", f(lab(', publish: ["8181:80"]'))]);
    expect(r.stdout).toContain("host sysctls");
    expect(r.code).toBe(0);
    expect((await sb.sh("sysctl -n net.ipv4.conf.publab-br0.route_localnet; cat /sys/class/net/publab-web-eth0/brport/hairpin_mode")).stdout).toBe("1\n1\n");
    expect(await eventually(async () => (await sb.sh("curl -sS -m 2 http://127.0.0.1:8181/")).stdout.includes("hello from web"))).toBe(true);
    expect((await sb.netlab(["apply", f(lab(', publish: ["8181:80"]', "  db: { networks: [br0] }\n").replace("  api: { networks: [br0] }\n", ""))])).code).toBe(0);
    expect(await mac()).toBe(first);
    const again = await sb.netlab(["up", f(lab(', publish: ["8181:80"]', "  db: { networks: [br0] }\n").replace("  api: { networks: [br0] }\n", ""))]);
    expect(again.stdout).toContain("already up and unchanged");
    // A namespace of api's name made by someone else after apply removed api is not the lab's: down leaves it.
    await sb.sh("ip netns add publab-api");
    try {
      expect((await sb.netlab(["down", "publab"])).code).toBe(0);
      expect((await sb.sh("ip netns list")).stdout).toContain("publab-api");
    } finally {
      await sb.sh("ip netns delete publab-api");
    }
  });

  it("a SIGKILL while apply adds and removes nodes: the next apply, forward or back, lands on that version with its names", async () => {
    const v = (nodes: string[]) => `name: killab\nnetworks:\n  br0: { subnet: 172.31.43.0/24 }\nnodes:\n${nodes.map((n) => `  ${n}: { networks: [br0], run: netlab serve http --port 80 }`).join("\n")}\n`;
    const [A, B] = [["a", "b", "c"], ["a", "c", "d"]];
    const f = (nodes: string[]) => files.write("killab", v(nodes));
    expect((await sb.netlab(["up", f(A)])).code).toBe(0);
    let now = A;
    const seen: string[] = [];
    for (const [ms, back] of [[0, true], [40, false], [120, true], [250, false]] as const) {
      const next = now === A ? B : A;
      const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, "apply", f(next)], { detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
      const exited = new Promise<string | null>((r) => child.on("close", (_c, sig) => r(sig)));
      await new Promise<void>((r) => {
        child.stderr!.on("data", (d: Buffer) => /remove node|create the namespaces/.test(d.toString()) && r());
        void exited.then(() => r());
      });
      await new Promise((r) => setTimeout(r, ms));
      try { process.kill(-child.pid!, "SIGKILL"); } catch { /* finished already */ }
      seen.push(`${ms} ms: ${(await exited) === "SIGKILL" ? "killed" : "finished"}`);
      // Then forward to the version it began, or back to the one before.
      const to = back ? now : next;
      const r = await sb.netlab(["apply", f(to)]);
      expect({ ms, back, code: r.code, err: r.stderr }).toMatchObject({ code: 0 });
      const st = await sb.netlab(["status", "killab"]);
      expect({ ms, back, st: st.stdout }).not.toMatchObject({ st: expect.stringMatching(/degraded|gone|not running/) });
      const names = (await sb.sh(`ip netns exec killab-${to[0]} sh -c 'for n in a b c d; do getent hosts $n >/dev/null && echo $n; done'`)).stdout.split("\n").filter(Boolean);
      expect({ ms, back, names }).toEqual({ ms, back, names: to });
      now = to;
    }
    expect(seen.filter((x) => x.includes("killed")).length).toBeGreaterThan(1);
    expect((await sb.netlab(["down", "killab"])).code).toBe(0);
  });
});
