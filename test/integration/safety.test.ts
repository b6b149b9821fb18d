// Issue 9's defects, each reproduced as it was reported and kept fixed: netlab run as root
// on a machine others log into, by a careless user, with labs overlapping and processes
// killed. Every test runs inside its own sandbox namespace and leaves nothing behind.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, labFiles, NETLAB, sandboxEach, type Sandbox } from "./sandbox.js";

const { dir, write: labFile } = labFiles("netlab-safety-");
chmodSync(dir, 0o755); // the unprivileged user of these tests reads lab files here
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

/** Runs `netlab ARGS` in the sandbox, the way a terminal would: its own process group, so a signal can reach all of it. */
function startNetlab(sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn("ip", ["netns", "exec", sb.name, NETLAB, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, detached: true });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number>((r) => child.on("close", (code, sig) => r(code ?? (sig ? 128 : 1))));
  const until = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (err.includes(text)) { clearInterval(t); resolve(); }
      }, 10);
      exited.then(() => { clearInterval(t); err.includes(text) ? resolve() : reject(new Error(`exited before "${text}": ${err}`)); });
    });
  return { child, exited, until, out: () => out, err: () => err };
}

describe.skipIf(!IS_ROOT)("safety", () => {
  const t = sandboxEach();

  it("1. name files never go into a /dev/shm/netlab someone else made (private /dev/shm)", async () => {
    t.labs.add("veth-pair");
    // A private mount namespace with a fresh tmpfs on /dev/shm: the user's directory exists only there.
    // netlab enters only the sandbox's network namespace (nsenter --net): it keeps this mount
    // namespace and its /dev/shm, and makes its namespaces' mounts in the machine's, as always.
    const nl = `nsenter --net=/run/netns/${t.sb.name} ${NETLAB}`;
    const script = `
      set -e
      mount -t tmpfs -o mode=1777 tmpfs /dev/shm
      setpriv --reuid=65534 --regid=65534 --clear-groups mkdir /dev/shm/netlab
      ${nl} up veth-pair >/dev/null 2>&1
      echo "link=$(readlink /etc/netns/veth-pair-red)"
      echo "shm=$(ls -A /dev/shm/netlab | wc -l)"
      ip netns exec veth-pair-red getent hosts red
      # a symlink planted where netlab makes its directory is not followed either
      ${nl} down veth-pair >/dev/null 2>&1
      [ "$(stat -c %u /dev/shm/netlab)" = 65534 ] && rmdir /dev/shm/netlab
      setpriv --reuid=65534 --regid=65534 --clear-groups ln -s /tmp /dev/shm/netlab
      ${nl} up veth-pair >/dev/null 2>&1
      echo "link2=$(readlink /etc/netns/veth-pair-red)"
      ${nl} down veth-pair >/dev/null 2>&1
      [ -L /dev/shm/netlab ] && echo done`;
    const r = await run(["unshare", "--mount", "--propagation", "slave", "sh", "-c", script]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("link=/run/netlab/veth-pair/etc/nodes/red");
    expect(r.stdout).toContain("shm=0");
    expect(r.stdout).toMatch(/10\.100\.0\.2\s+red/);
    expect(r.stdout).toContain("link2=/run/netlab/veth-pair/etc/nodes/red");
    expect(r.stdout).toContain("done");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("2. under umask 000 the state is still root's alone, and a journal others could write is never replayed", async () => {
    t.labs.add("veth-pair");
    const r = await run(["sh", "-c", `umask 000; ip netns exec ${t.sb.name} ${NETLAB} up veth-pair`]);
    expect(r.code).toBe(0);
    expect(mode("/run/netlab")).toBe("755");
    expect(mode("/run/netlab/veth-pair")).toBe("700");
    expect(mode("/run/netlab/veth-pair/journal.jsonl")).toBe("600");
    expect(mode("/run/netlab/veth-pair/lab.json")).toBe("600");
    expect(mode("/run/netlab/veth-pair/logs")).toBe("700");
    // An unprivileged user cannot append to it...
    const user = await run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", "echo x >> /run/netlab/veth-pair/journal.jsonl"]);
    expect(user.code).not.toBe(0);
    // ...and if the file were writable by others, or held an undo netlab never writes, down refuses to replay it.
    const journal = "/run/netlab/veth-pair/journal.jsonl";
    const good = readFileSync(journal, "utf8");
    const proof = join(dir, "pwned");
    writeFileSync(journal, good + JSON.stringify({ t: "begin", id: "x", undo: [{ op: "exec", ns: null, who: "host", cmd: `id > ${proof}` }] }) + "\n");
    const forged = await t.sb.netlab(["down", "veth-pair"]);
    expect(forged.code).toBe(3);
    expect(forged.stderr).toContain("holds an undo netlab never writes");
    writeFileSync(journal, good);
    chmodSync(journal, 0o666);
    const open = await t.sb.netlab(["down", "veth-pair"]);
    expect(open.code).toBe(3);
    expect(open.stderr).toContain("is writable by others");
    expect(existsSync(proof)).toBe(false);
    chmodSync(journal, 0o600);
    expect((await t.sb.netlab(["down", "veth-pair"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("3. a sysctl key that leaves /proc/sys/net is refused before anything is touched", async () => {
    for (const key of ["net.//.//.//.tmp.x", "net.//.kernel.hostname", "net/../kernel/hostname"]) {
      const f = labFile("sysk", `name: sysk\nnodes:\n  a:\n    sysctls: { ${JSON.stringify(key)}: 1 }\n`);
      const r = await t.sb.netlab(["up", f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("is not a network sysctl");
    }
    expect(existsSync("/tmp/x")).toBe(false);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("4. two labs sharing the host: forwarding stays while either is up, and both gone leaves the host as it was", async () => {
    t.labs.add("router-lab").add("bridge-lab");
    expect((await t.sb.sh("sysctl -n net.ipv4.ip_forward")).stdout.trim()).toBe("0");
    expect((await t.sb.netlab(["up", "bridge-lab"])).code).toBe(0);
    const f = labFile("fwd2", `name: fwd2\nnetworks:\n  a: { subnet: 10.71.1.0/24 }\n  b: { subnet: 10.71.2.0/24, isolate: false }\nhost: { forward: true }\nnodes:\n  x: { networks: [a] }\n  y: { networks: [b] }\nchecks:\n  - { from: x, ping: 10.71.2.2 }\n`);
    t.labs.add("fwd2");
    expect((await t.sb.netlab(["up", f])).code).toBe(0);
    expect((await t.sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect((await t.sb.sh("sysctl -n net.ipv4.ip_forward")).stdout.trim()).toBe("1");
    const tested = await t.sb.netlab(["test", "fwd2"]);
    expect(tested.stdout).toMatch(/^1 passed, 0 failed/m);
    expect((await t.sb.netlab(["down", "fwd2"])).code).toBe(0);
    // ip_forward back to 0, and no empty iptables tables that only netlab brought into being.
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("5. a host route the host already has is refused by name; with replace: true it is overridden and given back", async () => {
    t.labs.add("hostrt");
    await t.sb.sh("ip link add keep0 type veth peer name keep1 && ip addr add 192.0.2.1/24 dev keep0 && ip link set keep0 up && ip link set keep1 up && ip route add 10.72.0.0/16 via 192.0.2.9");
    const mine = await t.sb.snapshot();
    const text = (replace: string) => `name: hostrt\nnodes:\n  r: {}\nlinks:\n  - { endpoints: ["host:hr0", "r:eth0"], subnet: 10.73.0.0/30 }\nhost:\n  routes:\n    - { to: 10.72.0.0/16, via: 10.73.0.2${replace} }\n`;
    const refused = await t.sb.netlab(["up", labFile("hostrt", text(""))]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/hostrt\.yaml:8:7: host\.routes\[0\]: the host already has a route to 10\.72\.0\.0\/16 \(10\.72\.0\.0\/16 via 192\.0\.2\.9 dev keep0\)/);
    expect(refused.stderr).toContain("replace: true");
    expect(await t.sb.snapshot()).toEqual(mine);
    expect((await t.sb.netlab(["up", labFile("hostrt", text(", replace: true"))])).code).toBe(0);
    expect((await t.sb.sh("ip route show 10.72.0.0/16")).stdout).toContain("via 10.73.0.2 dev hr0");
    expect((await t.sb.netlab(["down", "hostrt"])).code).toBe(0);
    expect((await t.sb.sh("ip route show 10.72.0.0/16")).stdout).toContain("via 192.0.2.9 dev keep0");
    expect(await t.sb.snapshot()).toEqual(mine);
  });

  it("6. --dry-run prints exactly what up runs: a multi-line exec stays inside its node", async () => {
    const f = labFile("drylines", `name: drylines\nnodes:\n  a:\n    exec: "echo x\\nip link add leak type bridge"\n`);
    const dry = await t.sb.netlab(["up", f, "--dry-run"]);
    expect(dry.code).toBe(0);
    const script = join(dir, "drylines.sh");
    writeFileSync(script, dry.stdout);
    try {
      // Only the network namespace of the sandbox: the script's namespaces must outlive it, as up's do.
      const ran = await run(["nsenter", `--net=/run/netns/${t.sb.name}`, "sh", script]);
      expect(ran.code).toBe(0);
      expect((await t.sb.sh("ip link show leak")).code).not.toBe(0); // not in the host
      expect((await run(["ip", "-n", "drylines-a", "link", "show", "leak"])).code).toBe(0); // in the node, as up does
    } finally {
      await run(["ip", "netns", "delete", "drylines-a"]);
      await run(["sh", "-c", "rm -rf /etc/netns/drylines-a /run/netlab/drylines /dev/shm/netlab/drylines; rmdir /etc/netns /run/netlab /dev/shm/netlab 2>/dev/null; true"]);
    }
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("7. a lock dies with its holder: SIGKILL right after locking leaves nothing that stops the next run", async () => {
    t.labs.add("veth-pair");
    const up = startNetlab(t.sb, ["up", "veth-pair"], { NETLAB_TEST_PAUSE_AFTER: "locked" });
    await up.until("paused after locked");
    up.child.kill("SIGKILL");
    await up.exited;
    const down = await t.sb.netlab(["down", "veth-pair"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain("not up");
    expect(await t.sb.snapshot()).toEqual(t.before); // the lock file went too
    // After a crash mid-up, three ups at once: one builds, the others wait and find it up.
    const crashed = startNetlab(t.sb, ["up", "veth-pair"], { NETLAB_TEST_PAUSE_AFTER: "host" });
    await crashed.until("paused after host");
    crashed.child.kill("SIGKILL");
    await crashed.exited;
    const three = await Promise.all([1, 2, 3].map(() => t.sb.netlab(["up", "veth-pair"])));
    expect(three.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(three.filter((r) => r.stdout.includes("is up in")).length).toBe(1);
    expect(three.filter((r) => r.stdout.includes("already up and unchanged")).length).toBe(2);
    expect((await t.sb.netlab(["down", "veth-pair"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("8. down started while up runs waits for it and removes what it made; a held lock refuses after NETLAB_LOCK_WAIT", async () => {
    t.labs.add("bridge-lab");
    const up = startNetlab(t.sb, ["up", "bridge-lab"]);
    while (!existsSync("/run/netlab/.bridge-lab.lock") && up.child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    const down = await t.sb.netlab(["down", "bridge-lab"]);
    expect(await up.exited).toBe(0);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain("bridge-lab is down");
    expect(await t.sb.snapshot()).toEqual(t.before);
    const paused = startNetlab(t.sb, ["up", "bridge-lab"], { NETLAB_TEST_PAUSE_AFTER: "nodes" });
    await paused.until("paused after nodes");
    try {
      const refused = await t.sb.netlab(["down", "bridge-lab"], { env: { NETLAB_LOCK_WAIT: "0.5" } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/another netlab \(pid \d+\) is working on lab bridge-lab/);
    } finally {
      paused.child.kill("SIGKILL");
      await paused.exited;
    }
    expect((await t.sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("9. drift is reported (status degraded, test says why) and up makes again what was removed by hand", async () => {
    t.labs.add("bridge-lab");
    expect((await t.sb.netlab(["up", "bridge-lab", "--test"])).code).toBe(0);
    await t.sb.sh("ip link delete bridge-lab-br0; iptables -t nat -F NL-bridge-lab-PRE; iptables -D FORWARD -m comment --comment netlab:bridge-lab -j NL-bridge-lab-FWD; sysctl -qw net.ipv4.ip_forward=0");
    const pids = (await run(["ip", "netns", "pids", "bridge-lab-web"])).stdout.split("\n").filter(Boolean);
    for (const p of pids) process.kill(Number(p), "SIGKILL");
    const st = await t.sb.netlab(["status", "--json"]);
    const s = (JSON.parse(st.stdout) as { name: string; state: string; missing: string[] }[]).find((x) => x.name === "bridge-lab")!;
    expect(s.state).toBe("degraded");
    expect(s.missing.join("\n")).toMatch(/bridge-lab-br0 \(the bridge of network br0\) is gone/);
    expect(s.missing.join("\n")).toMatch(/NL-bridge-lab-PRE holds 0 of the lab's 3 rules/); // a published port, DNS over udp and tcp
    expect(s.missing.join("\n")).toMatch(/FORWARD holds 0 of the lab's 1 rule/);
    expect(s.missing.join("\n")).toMatch(/host sysctl net.ipv4.ip_forward is 0, the lab set 1/);
    expect(s.missing.join("\n")).toMatch(/run on web \(netlab serve http --port 80\) is not running/);
    const tested = await t.sb.netlab(["test", "bridge-lab"]);
    expect(tested.code).toBe(1);
    expect(tested.stderr).toContain("bridge-lab is degraded, so checks that need these cannot pass");
    const again = await t.sb.netlab(["up", "bridge-lab"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("was up but damaged; made again what was missing");
    expect((await t.sb.netlab(["status"])).stdout).toMatch(/bridge-lab\s+up\s/);
    const t2 = await t.sb.netlab(["test", "bridge-lab"]);
    expect(t2.stdout).toMatch(/^7 passed, 0 failed/m);
    expect((await t.sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("9b. a namespace removed by hand cannot be repaired: up refuses with the list", async () => {
    t.labs.add("veth-pair");
    expect((await t.sb.netlab(["up", "veth-pair"])).code).toBe(0);
    await run(["ip", "netns", "delete", "veth-pair-red"]);
    // test and status say the command that remakes it, which is not up alone.
    const remake = /sudo netlab down veth-pair && sudo netlab up \/\S+\/veth-pair\.yaml makes (them|it) again/;
    expect((await t.sb.netlab(["test", "veth-pair"])).stderr).toMatch(remake);
    expect((await t.sb.netlab(["status"])).stdout).toMatch(remake);
    const r = await t.sb.netlab(["up", "veth-pair"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("lab veth-pair is up but damaged: namespace veth-pair-red is gone");
    // The hint runs as printed from anywhere: the lab's own file, which its name would not find once it is down.
    expect(r.stderr).toMatch(/hint: sudo netlab down veth-pair && sudo netlab up \/\S+\/veth-pair\.yaml\n/);
    expect((await t.sb.netlab(["down", "veth-pair"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("10. with its state deleted, clean finds the lab by its marks and removes only what is netlab's", async () => {
    await t.sb.sh("sysctl -qw net.ipv4.ip_forward=1"); // the ledger goes with the state: nothing to restore from
    await t.sb.sh("ip link add keep0 type veth peer name keep1 && iptables -N KEEP && iptables -A FORWARD -j KEEP");
    const mine = await t.sb.snapshot();
    expect((await t.sb.netlab(["up", "bridge-lab"])).code).toBe(0);
    expect((await t.sb.netlab(["up", "veth-pair", "--isolated"])).code).toBe(0);
    await run(["rm", "-rf", "/run/netlab"]);
    expect((await t.sb.netlab(["status"])).stdout).toContain("no labs are up");
    const dry = await t.sb.netlab(["clean", "--dry-run"]);
    expect(dry.stdout).toContain("bridge-lab: would remove");
    expect(dry.stdout).toContain("namespace veth-pair-host");
    expect(dry.stdout).toContain("interface bridge-lab-br0");
    const c = await t.sb.netlab(["clean"]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("bridge-lab: removed");
    expect(await t.sb.snapshot()).toEqual(mine);
    expect((await t.sb.sh("iptables -S FORWARD")).stdout).toContain("-A FORWARD -j KEEP");
    await t.sb.sh("iptables -D FORWARD -j KEEP; iptables -X KEEP; nft delete table ip filter; ip link delete keep0; sysctl -qw net.ipv4.ip_forward=0");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("11. Ctrl-C mid-up (the whole process group) rolls back and exits 130 saying so; SIGTERM after the last phase takes the lab down, 143", async () => {
    t.labs.add("slow");
    const f = labFile("slow", `name: slow\nnetworks:\n  n: { subnet: 10.74.0.0/24, nat: true }\nnodes:\n  a: { networks: [n], exec: "echo ready >&2; sleep 5" }\n`);
    const up = startNetlab(t.sb, ["up", f], { NETLAB_PLAIN: "1" });
    const t0 = Date.now();
    while (!(await run(["ip", "netns", "pids", "slow-a"])).stdout.trim() && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    process.kill(-up.child.pid!, "SIGINT");
    expect(await up.exited).toBe(130);
    expect(up.err()).toContain("interrupted by SIGINT; everything netlab had made was removed again");
    expect(up.err()).not.toContain("a command failed");
    expect(await t.sb.snapshot()).toEqual(t.before);
    const term = startNetlab(t.sb, ["up", "veth-pair"], { NETLAB_TEST_PAUSE_AFTER: "done" });
    t.labs.add("veth-pair");
    await term.until("paused after done");
    term.child.kill("SIGTERM");
    expect(await term.exited).toBe(143);
    expect(term.err()).toContain("interrupted by SIGTERM; veth-pair had come up and was taken down again");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("11b. run services get a small environment, not root's", async () => {
    t.labs.add("envlab");
    const out = join(dir, "env.txt");
    const f = labFile("envlab", `name: envlab\nnodes:\n  a: { run: "env > ${out}; sleep 30" }\n`);
    expect((await t.sb.netlab(["up", f], { env: { SECRET_TOKEN: "hunter2", SUDO_USER: "alice" } })).code).toBe(0);
    for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    const env = readFileSync(out, "utf8");
    expect(env).toContain("NETLAB_LAB=envlab");
    expect(env).toContain("NETLAB_NODE=a");
    expect(env).toMatch(/^PATH=.*\/bin:\/usr\/local\/sbin/m);
    expect(env).not.toContain("SECRET_TOKEN");
    expect(env).not.toContain("SUDO_USER");
    expect((await t.sb.netlab(["down", "envlab"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });
});
