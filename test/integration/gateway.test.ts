// What reaches a lab's members from where, as Docker 28 documents it (issue 17, items 1–2):
// docs.docker.com/engine/network/packet-filtering-firewalls/ and port-publishing/. A `neighbour`
// node plays another machine on the host's LAN, with a route to the lab's bridge via the host.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { IS_ROOT, labFiles, sandboxEach } from "./sandbox.js";

const files = labFiles("netlab-gw-");
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

/** The issue's lab: web serves 80 (published) and 8000 (not) on a bridge; neighbour routes to it via the host. */
function lab(name: string, network: string, publish: string[], checks: string[]): string {
  return files.write(name, `name: ${name}
networks:
  br: { subnet: 172.31.5.0/24, ${network} }
nodes:
  web:
    networks: [br]
    run: ["netlab serve http --port 80", "netlab serve http --port 8000"]
    publish: ${JSON.stringify(publish)}
  neighbour:
    routes: ["172.31.5.0/24 via 198.18.6.1"]
    sysctls: { net.ipv4.conf.all.route_localnet: 1 }
links:
  - endpoints: ["host:uplink", "neighbour:eth0"]
    subnet: 198.18.6.0/24
checks:
${checks.map((c) => `  - ${c}`).join("\n")}
`);
}

const FAIL = "expect: fail, timeout: 1s";

describe.skipIf(!IS_ROOT)("gateway modes: what reaches a member, from where (Docker 28)", () => {
  const t = sandboxEach();
  async function upAndTest(file: string, name: string, n: number): Promise<void> {
    t.labs.add(name);
    const up = await t.sb.netlab(["up", file]);
    expect(up.stderr + up.stdout).toContain("is up");
    const r = await t.sb.netlab(["test", name]);
    expect(r.stdout).toContain(`${n} passed, 0 failed`);
  }
  async function downClean(name: string): Promise<void> {
    expect((await t.sb.netlab(["down", name])).code).toBe(0);
    t.labs.delete(name);
    expect(await t.sb.snapshot()).toEqual(t.before);
  }

  it("nat (the default): no direct routing to members from outside the host; 127.0.0.1 ports answer the host alone", async () => {
    const f = lab("gwnat", "nat: true", ["127.0.0.1:9090:80", "8080:80"], [
      `{ from: neighbour, http: "http://172.31.5.2/", ${FAIL} }`,          // published container port, routed: dropped
      `{ from: neighbour, tcp: "172.31.5.2:8000", ${FAIL} }`,             // unpublished: dropped
      `{ from: neighbour, http: "http://198.18.6.1:8080/", contains: "you are 198.18.6.2" }`, // via the host's address: yes
      `{ from: neighbour, http: "http://198.18.6.1:9090/", ${FAIL} }`,    // bound to 127.0.0.1 only
      `{ from: host, http: "http://127.0.0.1:9090/" }`,
      `{ from: host, tcp: "172.31.5.2:8000" }`,                           // the host itself reaches members
    ]);
    await upAndTest(f, "gwnat", 6);
    // A SYN to 127.0.0.1:9090 sent to the host's MAC (the neighbour routes loopback out of eth0):
    // before Docker 28's rule the host DNATed it and web answered with a SYN-ACK.
    const cap = t.sb.sh("timeout 3 tcpdump -ni uplink -c 1 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)' 2>/dev/null; true");
    await new Promise((r) => setTimeout(r, 500));
    const crafted = await t.sb.exec("gwnat", "neighbour", "sysctl -qw net.ipv4.conf.eth0.route_localnet=1; ip route del local 127.0.0.0/8 dev lo table local; ip route del local 127.0.0.1 dev lo table local; ip route add 127.0.0.1/32 via 198.18.6.1 dev eth0 && curl -s -m 1 http://127.0.0.1:9090/; echo curl=$?");
    expect(crafted.stdout).toContain("curl=28");
    expect((await cap).stdout).not.toMatch(/127\.0\.0\.1\.9090 >/);
    await downClean("gwnat");
  });

  it("nat-unprotected: every port of a member is reachable by routing (legacy behaviour)", async () => {
    const f = lab("gwopen", "nat: true, gatewayMode: nat-unprotected", ["8080:80"], [
      `{ from: neighbour, http: "http://172.31.5.2/", contains: "you are 198.18.6.2" }`,
      `{ from: neighbour, tcp: "172.31.5.2:8000" }`,
    ]);
    await upAndTest(f, "gwopen", 2);
    await downClean("gwopen");
  });

  it("routed: no NAT; the published container port is reachable by routing, the rest is not", async () => {
    const f = lab("gwrouted", "gatewayMode: routed", ["80"], [
      `{ from: neighbour, http: "http://172.31.5.2/", contains: "you are 198.18.6.2" }`,
      `{ from: neighbour, tcp: "172.31.5.2:8000", ${FAIL} }`,
      `{ from: host, tcp: "172.31.5.2:8000" }`,
    ]);
    await upAndTest(f, "gwrouted", 3);
    await downClean("gwrouted");
  });

  it("trustedInterfaces: from the trusted interface, published container ports are reachable directly", async () => {
    const f = lab("gwtrust", "nat: true, trustedInterfaces: [uplink]", ["8080:80"], [
      `{ from: neighbour, http: "http://172.31.5.2/", contains: "you are 198.18.6.2" }`,
      `{ from: neighbour, tcp: "172.31.5.2:8000", ${FAIL} }`,
    ]);
    await upAndTest(f, "gwtrust", 2);
    await downClean("gwtrust");
  });

  it("hairpin: a node reaches its own published ports through every host address", async () => {
    const f = lab("hairpin", "nat: true", ["8080:80", "198.18.6.1:8081:80", "127.0.0.1:9090:80"], [
      `{ from: web, http: "http://172.31.5.1:8080/", contains: "you are 172.31.5.1" }`,  // via the bridge's address
      `{ from: web, http: "http://198.18.6.1:8080/", contains: "hello from web" }`,       // via another host address
      `{ from: web, http: "http://198.18.6.1:8081/", contains: "hello from web" }`,       // bound to that address
      `{ from: web, http: "http://172.31.5.1:8081/", ${FAIL} }`,                        // … and to it alone
    ]);
    await upAndTest(f, "hairpin", 4);
    await downClean("hairpin");
  });

  it("another network of the lab reaches a published port through the host's addresses, and the replies come back", async () => {
    const f = files.write("gwx", `name: gwx
networks:
  a: { subnet: 172.29.1.0/24, nat: true }
  b: { subnet: 172.29.2.0/24, nat: true }
nodes:
  web: { networks: [a], run: netlab serve http --port 80, publish: ["8080:80"] }
  cli: { networks: [b] }
checks:
  - { from: cli, http: "http://172.29.2.1:8080/", contains: "hello from web" }
  - { from: cli, http: "http://172.29.1.1:8080/", contains: "hello from web" }
  - { from: cli, http: "http://172.29.1.2/", ${FAIL} }
`);
    await upAndTest(f, "gwx", 3);
    await downClean("gwx");
  });
});

