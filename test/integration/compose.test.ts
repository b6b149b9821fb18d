// A Docker Compose file as a lab, for real: validate, --dry-run, up, test, down by the file's
// own name (the project named after its directory, as Compose does), and nothing left behind.
// Then what is only visible live: ports published on 0.0.0.0, nothing published from an internal
// network, host-gateway, images' commands never run where netlab runs, x-netlab run in the node's
// own directory, and `down` of one file never taking another file's lab down.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, IS_ROOT, NETLAB, Sandbox, sandboxEach, type Snapshot } from "./sandbox.js";

const tmp = mkdtempSync(join(tmpdir(), "netlab-compose-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** Writes DIR/docker-compose.yml under the test's temporary directory; returns its path. */
function compose(dir: string, text: string): string {
  mkdirSync(join(tmp, dir), { recursive: true });
  writeFileSync(join(tmp, dir, "docker-compose.yml"), text);
  return join(tmp, dir, "docker-compose.yml");
}

describe.skipIf(!IS_ROOT)("docker-compose.yml", () => {
  let sb: Sandbox;
  let before: Snapshot;
  let file: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    // The shipped example without its name: the project is named after the directory, "shop".
    file = compose("shop", readFileSync(new URL("../../labs/compose.yml", import.meta.url), "utf8").replace(/^name: compose\n/m, ""));
  });
  afterAll(async () => {
    await sb.netlab(["down", file]);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  it("validate and --dry-run read it, say once what they leave aside, and touch nothing", async () => {
    const v = await sb.netlab(["validate", file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/shop — 3 nodes, 2 networks, 6 checks/);
    expect(v.stderr).not.toMatch(/warning/);
    expect(v.stderr).toMatch(/^note: not used, as they do not change the network — services: image \(2\), build$/m);
    const d = await sb.netlab(["up", file, "--dry-run"]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/link add shop-backend address 02:[0-9a-f:]+ type bridge/);
    expect(d.stdout).toContain("setsid sh -c 'netlab serve http --port 5432'");
    expect(await sb.snapshot()).toEqual(before);
  });

  it("up, test (Docker's names, isolation, the internal network, the published port) and down, all by the file", async () => {
    const up = await sb.netlab(["up", file]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/shop is up/);
    expect(up.stderr).toMatch(/^note: images and commands are not run/m);
    expect(up.stderr).not.toMatch(/not used, as they do not change the network/);
    const t = await sb.netlab(["test", file]);
    expect(t.stdout).toMatch(/6 passed, 0 failed/);
    // What a student would try: the alias from the app, and the proxy through the published port.
    expect((await sb.exec("shop", "app", "getent hosts database")).stdout).toMatch(/^172\.29\.0\.10\s+database/);
    expect((await sb.exec("shop", "app", "getent hosts shop-db-1")).stdout).toMatch(/^172\.29\.0\.10\s/);
    expect((await sb.sh("curl -s -m 2 http://127.0.0.1:8080/")).stdout).toMatch(/hello from proxy/);
    expect((await sb.exec("shop", "db", "ip route")).stdout).not.toMatch(/default/);
    const down = await sb.netlab(["down", file]);
    expect(down.code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("up through a pipe that closes early (| head -1) still finishes: the lab is whole, then goes down", async () => {
    const r = await sb.sh(`${NETLAB} up ${file} 2>&1 | head -1`);
    expect(r.stdout).toMatch(/^note: images and commands are not run/);
    expect((await sb.netlab(["test", file])).stdout).toMatch(/6 passed, 0 failed/);
    expect((await sb.netlab(["down", file])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });
});

describe.skipIf(!IS_ROOT)("Compose, live", () => {
  const t = sandboxEach();

  it("0.0.0.0:8080:80 publishes on every address; a service only on an internal network publishes nothing; host-gateway is the host on the service's network", async () => {
    const f = compose("pubs", `services:
  web: { ports: ["0.0.0.0:8080:80"], extra_hosts: ["host.docker.internal:host-gateway"] }
  db: { networks: [back], ports: ["5432:5432"] }
networks:
  back: { internal: true }
`);
    const up = await t.sb.netlab(["up", f]);
    expect(up.code, up.stderr).toBe(0);
    t.labs.add(f);
    expect(up.stderr).toMatch(/warning: .*services\.db\.ports: db is only on internal networks, where Docker publishes no ports: not published/);
    const gw = (await t.sb.exec("pubs", "web", "ip route show default")).stdout.match(/via (\S+)/)![1];
    expect((await t.sb.sh(`curl -s -m 2 http://127.0.0.1:8080/ && curl -s -m 2 http://${gw}:8080/`)).stdout).toMatch(/hello from web[\s\S]*hello from web/);
    expect((await t.sb.sh("iptables-save -t nat")).stdout).not.toMatch(/5432/);
    expect((await t.sb.sh("nc -z -w 1 127.0.0.1 5432")).code).not.toBe(0);
    expect((await t.sb.exec("pubs", "web", "getent hosts host.docker.internal")).stdout).toMatch(new RegExp(`^${gw.replace(/\./g, "\\.")}\\s+host\\.docker\\.internal`));
    expect((await t.sb.exec("pubs", "web", "ping -c1 -W1 host.docker.internal")).code).toBe(0);
    expect((await t.sb.netlab(["test", f])).stdout).toMatch(/passed, 0 failed/);
  });

  it("dns: keeps the embedded DNS (127.0.0.11) and makes the servers its upstreams, as Docker does (issue 17)", async () => {
    const upstream = new URL("../fixtures/dns-upstream.mjs", import.meta.url).pathname;
    const f = compose("dnsup", `services:
  api: {}
  web: { dns: [10.66.0.53] }
  upstream:
    networks: { default: { ipv4_address: 10.66.0.53 } }
    x-netlab: { run: "${process.execPath} ${upstream}" }
networks:
  default: { ipam: { config: [{ subnet: 10.66.0.0/24 }] } }
`);
    const up = await t.sb.netlab(["up", f]);
    expect(up.code, up.stderr).toBe(0);
    t.labs.add(f);
    expect((await t.sb.exec("dnsup", "web", "cat /etc/resolv.conf")).stdout).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect((await t.sb.exec("dnsup", "web", "nslookup api")).code).toBe(0); // the lab's names still answer
    // A name outside the lab goes to the service's own server (a node of the lab, never the internet).
    expect(await eventually(async () => (await t.sb.exec("dnsup", "web", "dig +short +tries=1 +time=2 example.org")).stdout.trim() === "192.0.2.53", 8000)).toBe(true);
    expect((await t.sb.exec("dnsup", "api", "dig +short +tries=1 +time=2 example.org")).stdout.trim()).not.toBe("192.0.2.53"); // api has no dns:
  });

  it("an image's command never runs; x-netlab run does, as root in the node, in a directory of its own, not where netlab runs", async () => {
    const cwd = mkdtempSync(join(tmp, "cwd-")); // where the user runs netlab from
    const f = compose("cmds", `services:
  img: { image: busybox, command: sh -c 'id -un > f; echo x >> ${join(tmp, "cmd-ran")}', expose: [80] }
  mine:
    ports: ["8081:8000"]
    x-netlab: { run: "pwd > where && id -un > f && exec netlab serve http --port 8000" }
`);
    const up = await t.sb.sh(`cd ${cwd} && ${NETLAB} up ${f}`);
    expect(up.code, up.stderr).toBe(0);
    t.labs.add(f);
    expect((await t.sb.netlab(["test", f])).stdout).toMatch(/passed, 0 failed/);
    const work = "/run/netlab/cmds/work/mine";
    expect(readFileSync(`${work}/where`, "utf8").trim()).toBe(work);
    expect(readFileSync(`${work}/f`, "utf8").trim()).toBe("root");
    expect(existsSync(join(cwd, "f")) || existsSync(join(cwd, "where")) || existsSync(join(tmp, "cmd-ran"))).toBe(false);
    expect((await t.sb.sh("curl -s -m 2 http://127.0.0.1:8081/")).stdout).toMatch(/hello from mine/);
    expect((await t.sb.netlab(["down", f])).code).toBe(0);
    expect(existsSync(work)).toBe(false);
  });

  it("down of a file never takes another file's lab down: similar names are two labs, and one name up from another file is refused", async () => {
    const mysql = compose("nginx-flask-mysql", "services:\n  web: {}\n");
    const mongo = compose("nginx-flask-mongo", "services:\n  web: {}\n");
    const appA = compose("a/app", "services:\n  a: {}\n");
    const appB = compose("b/app", "services:\n  b: {}\n");
    // Both up in one host: the second's automatic subnet skips the first's, as Docker picks a free pool.
    for (const f of [mysql, appA]) {
      expect((await t.sb.netlab(["up", f])).code).toBe(0);
      t.labs.add(f);
    }
    expect((await t.sb.sh("ip -4 route")).stdout).toMatch(/172\.18\.0\.0\/16 [\s\S]*172\.19\.0\.0\/16/);
    expect((await t.sb.netlab(["up", appA])).stdout).toMatch(/app is already up and unchanged/);
    const other = await t.sb.netlab(["down", mongo]);
    expect([other.code, other.stdout.trim()]).toEqual([0, `${mongo} is not up — nothing to remove`]);
    const refused = await t.sb.netlab(["down", appB]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: lab app is up, but from ${appA}, not from ${appB}`);
    const status = (await t.sb.netlab(["status"])).stdout;
    expect(status).toMatch(/^nginx-flask-mysql\s/m);
    expect(status).toMatch(/^app\s/m);
    expect((await t.sb.exec("nginx-flask-mysql", "web", "true")).code).toBe(0);
    expect((await t.sb.netlab(["down", "nginx-flask-mysql"])).code).toBe(0);
    expect((await t.sb.netlab(["down", appA])).code).toBe(0);
  });

  it("the command line's --profile, --env-file and -p; a missing ${VAR:?err} exits 2 at its line", async () => {
    const f = compose("flags", 'services:\n  web: { ports: ["${WEB_PORT:?set WEB_PORT}:80"] }\n  dbg: { profiles: [debug] }\n');
    writeFileSync(join(tmp, "flags", "ports.env"), "WEB_PORT=8090\n");
    const missing = await t.sb.netlab(["validate", f], { env: { WEB_PORT: "" } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/docker-compose\.yml:2:18: services\.web\.ports\[0\]: required variable WEB_PORT is empty: set WEB_PORT/);
    const up = await t.sb.netlab(["up", f, "--env-file", join(tmp, "flags", "ports.env"), "--profile", "debug", "-p", "custom"]);
    expect(up.code, up.stderr).toBe(0);
    t.labs.add("custom");
    expect(up.stdout).toMatch(/custom is up .* 2 nodes/);
    expect(await eventually(async () => /hello from web/.test((await t.sb.sh("curl -s -m 1 http://127.0.0.1:8090/")).stdout))).toBe(true);
  });
});
