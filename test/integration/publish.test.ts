// Port publishing the way `docker run -p` does it, for real: from the host (its own
// addresses and 127.0.0.1), from outside the host, from other nodes via the host's address
// (hairpin), bound addresses, UDP, a host whose FORWARD policy is DROP — and iptables-save
// golden after up, byte-for-byte the starting state after down.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { eventually, IS_ROOT, Sandbox } from "./sandbox.js";

const LAB = `name: pub
networks:
  n: { subnet: 10.80.0.0/24 }
nodes:
  web:
    networks: [n]
    run: netlab serve http --port 80
    publish: ["8080:80", "127.0.0.1:8081:80"]
  dns:
    networks: [n]
    run: netlab serve udp --port 53
    publish: ["5353:53/udp"]
  client:
    networks: [n]
`;

const saveOf = async (sb: Sandbox) => (await sb.sh("iptables-save")).stdout.split("\n").filter((l) => !l.startsWith("#")).join("\n");
const normalized = (save: string) => save.replace(/\[\d+:\d+\]/g, "[0:0]");

describe.skipIf(!IS_ROOT)("publish", () => {
  let sb: Sandbox;
  let out: string;
  let before: string;
  let beforeForward: string;
  const file = join(mkdtempSync(join(tmpdir(), "netlab-pub-")), "pub.yaml");

  beforeAll(async () => {
    sb = await Sandbox.create();
    out = `${sb.name}-out`;
    // "Outside the host": a namespace wired to the sandbox's uplink.
    await run(["ip", "netns", "add", out]);
    await sb.sh(`ip link add uplink type veth peer name eth0 netns ${out} && ip addr add 198.18.0.1/24 dev uplink && ip link set uplink up`);
    await run(["ip", "-n", out, "addr", "add", "198.18.0.2/24", "dev", "eth0"]);
    await run(["ip", "-n", out, "link", "set", "eth0", "up"]);
    await run(["ip", "-n", out, "link", "set", "lo", "up"]);
    // A Docker host: FORWARD policy DROP. Lab traffic must flow anyway.
    await sb.sh("iptables -P FORWARD DROP");
    before = await saveOf(sb);
    beforeForward = (await sb.sh("sysctl -n net.ipv4.ip_forward")).stdout;
    writeFileSync(file, LAB);
    const up = await sb.netlab(["up", file]);
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    rmSync(dirname(file), { recursive: true, force: true });
    await sb.netlab(["down", "pub"]);
    await run(["ip", "netns", "delete", out]);
    await sb.destroy();
  });

  const curl = (where: "host" | "outside" | "client", url: string) =>
    where === "host" ? sb.sh(`curl -sS -m 2 ${url}`) : where === "outside" ? run(["ip", "netns", "exec", out, "curl", "-sS", "-m", "2", url]) : sb.exec("pub", "client", `curl -sS -m 2 ${url}`);

  it("reaches a published port from the host, via its own address and 127.0.0.1", async () => {
    let r = await curl("host", "http://127.0.0.1:8080/");
    await eventually(async () => (r = await curl("host", "http://127.0.0.1:8080/")).code === 0);
    expect(r.stdout).toContain("hello from web");
    expect((await curl("host", "http://198.18.0.1:8080/")).stdout).toContain("hello from web");
    expect((await curl("host", "http://10.80.0.1:8080/")).stdout).toContain("hello from web");
  });

  it("reaches it from outside the host, keeping the client's address (DNAT, no SNAT)", async () => {
    const r = await curl("outside", "http://198.18.0.1:8080/");
    expect(r.stdout).toContain("hello from web");
    expect(r.stdout).toContain("you are 198.18.0.2:");
  });

  it("reaches it from another node through the host's address (hairpin)", async () => {
    const r = await curl("client", "http://10.80.0.1:8080/");
    expect(r.stdout).toContain("hello from web");
  });

  it("a bound address restricts it: 127.0.0.1:8081 answers on the host, not from outside", async () => {
    expect((await curl("host", "http://127.0.0.1:8081/")).stdout).toContain("hello from web");
    expect((await curl("outside", "http://198.18.0.1:8081/")).code).not.toBe(0);
  });

  it("publishes UDP", async () => {
    let r = await sb.sh("echo hi | nc -u -w 1 127.0.0.1 5353");
    await eventually(async () => (r = await sb.sh("echo hi | nc -u -w 1 127.0.0.1 5353")).stdout.includes("dns:"));
    expect(r.stdout).toMatch(/^dns: 10\.80\.0\.1:\d+ hi$/m); // the host's bridge address: masqueraded from 127.0.0.1
    const outside = await run(["ip", "netns", "exec", out, "sh", "-c", "echo hi | nc -u -w 1 198.18.0.1 5353"]);
    expect(outside.stdout).toMatch(/^dns: 198\.18\.0\.2:\d+ hi$/m);
  });

  it("host rules: golden iptables-save while up; byte-for-byte the starting state after down", async () => {
    await expect(normalized(await saveOf(sb))).toMatchFileSnapshot("../golden/iptables/pub-up.txt");
    const down = await sb.netlab(["down", "pub"]);
    expect(down.code).toBe(0);
    expect(down.stderr).not.toContain("warning");
    expect(await saveOf(sb)).toBe(before);
    expect((await sb.sh("sysctl -n net.ipv4.ip_forward")).stdout).toBe(beforeForward);
    expect((await sb.sh("iptables -S FORWARD")).stdout).toContain("-P FORWARD DROP");
  });
});

describe.skipIf(!IS_ROOT)("the legacy iptables backend (NETLAB_IPTABLES=legacy)", () => {
  it("publishes and isolates with iptables-legacy, and removes every rule and chain again", async () => {
    const sb = await Sandbox.create();
    const legacy = { env: { NETLAB_IPTABLES: "legacy" } };
    try {
      const dump = async () => (await sb.sh("iptables-legacy-save")).stdout.split("\n").filter((l) => l.startsWith("-A") || l.startsWith(":NL"));
      const dry = await sb.netlab(["up", "port-publish", "--dry-run"], legacy);
      expect(dry.stdout).toContain("iptables-legacy-restore --noflush");
      const up = await sb.netlab(["up", "port-publish", "--test"], legacy);
      expect(up.stdout).toMatch(/^5 passed, 0 failed/m);
      expect((await dump()).join("\n")).toContain("-j DNAT --to-destination 172.30.0.2:80");
      expect((await sb.sh("iptables-nft-save")).stdout).not.toContain("netlab:");
      expect((await sb.netlab(["down", "port-publish"], legacy)).code).toBe(0);
      // Legacy tables, once used in a namespace, stay loaded (empty): the kernel cannot unload them.
      expect(await dump()).toEqual([]);
    } finally {
      await sb.netlab(["down", "port-publish"], legacy);
      await sb.destroy();
    }
  });
});

describe.skipIf(!IS_ROOT)("publish on a virtual host (issue 24, item 11)", () => {
  it("a node on a virtual host publishes on that host: the bridge's route_localnet is written once the bridge exists", async () => {
    const sb = await Sandbox.create();
    const before = await sb.snapshot();
    const file = join(mkdtempSync(join(tmpdir(), "netlab-vpub-")), "vpub.yaml");
    writeFileSync(file, `name: vpub
hosts: { vm1: {} }
networks:
  pods: { host: vm1, subnet: 10.44.0.0/24 }
nodes:
  p: { host: vm1, networks: [pods], run: netlab serve http --port 80, publish: ["8080:80"] }
checks:
  - { from: vm1, http: "http://127.0.0.1:8080/", contains: "hello from p" }
  - { from: host, http: "http://192.168.56.11:8080/", contains: "hello from p" }
`);
    try {
      const up = await sb.netlab(["up", file, "--test"]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/^2 passed, 0 failed/m);
      expect((await sb.netlab(["down", "vpub"])).code).toBe(0);
      expect(await sb.snapshot()).toEqual(before);
    } finally {
      await sb.netlab(["down", "vpub"]);
      await sb.destroy();
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});
