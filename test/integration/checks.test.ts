// netlab test: every probe type passing and failing for the right reason, timeouts,
// retries, reports (JUnit parsed back, JSON against a schema), the pingall matrix,
// exit codes, up --test, and the lab servers. All inside sandboxes.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

const dir = mkdtempSync(join(tmpdir(), "netlab-checks-"));
const file = join(dir, "probes.yaml");

const TOPOLOGY = `name: probes
networks:
  n: { subnet: 10.70.0.0/24, subnet6: "fd00:70::/64" }
nodes:
  client: { networks: [n] }
  server:
    networks: [n]
    run: ["netlab serve http --port 80", "netlab serve tcp --port 7000", "netlab serve udp --port 7001"]
  quiet:
    networks: { n: { ip: 10.70.0.50 } }
`;

const PASSING = `checks:
  - { from: client, ping: server }
  - { from: client, ping: "fd00:70::3", count: 2 }
  - { from: client, ping: 10.70.0.99, expect: fail, timeout: 500ms }
  - { from: client, tcp: "server:7000" }
  - { from: client, tcp: "server:7999", expect: fail }
  - { from: client, udp: "server:7001" }
  - { from: client, udp: "quiet:7001", expect: fail, timeout: 1s }
  - { from: client, http: "http://server/", contains: "hello from server" }
  - { from: client, http: "http://server/status/404", status: 404 }
  - { from: client, http: "http://server/", contains: "nope", expect: fail }
  - { from: client, dns: server, equals: 10.70.0.3 }
  - { from: client, dns: nosuch, expect: fail }
  - { from: host, ping: server }
  - { from: host, http: "http://10.70.0.3/", contains: "you are 10.70.0.1" }
  - { name: server is not on 22, from: client, tcp: "server:22", expect: fail }
  - { from: client, dns: server, resolver: system }
  - { from: client, dns: client, resolver: system }
  - { from: client, http: "http://web.example/", via: "server:80", headers: { x-lab: one }, contains: "host web.example" }
`;

const FAILING = `checks:
  - { from: client, tcp: "server:7999" }
  - { from: client, http: "http://server/", status: 201 }
  - { from: client, dns: server, equals: 10.70.0.9 }
  - { from: client, ping: 10.70.0.99, timeout: 500ms, retries: 2 }
  - { from: client, tcp: "server:7000", expect: fail }
  - { from: client, http: "http://server/", contains: "hello from server" }
`;

const ReportSchema = z.strictObject({
  lab: z.string(),
  passed: z.number().int(),
  failed: z.number().int(),
  ms: z.number(),
  notReady: z.array(z.string()),
  degraded: z.array(z.string()),
  results: z.array(
    z.strictObject({
      name: z.string().optional(),
      from: z.string(),
      probe: z.enum(["ping", "tcp", "udp", "http", "dns"]),
      target: z.string(),
      probed: z.string(),
      expect: z.enum(["pass", "fail"]),
      outcome: z.enum(["pass", "fail"]),
      ok: z.boolean(),
      detail: z.string(),
      ms: z.number(),
      attempts: z.number().int().min(1),
    }),
  ),
});
type Report = z.infer<typeof ReportSchema>;

describe.skipIf(!IS_ROOT)("netlab test", () => {
  let sb: Sandbox;
  let before: Snapshot;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    writeFileSync(file, TOPOLOGY + PASSING);
    const up = await sb.netlab(["up", file]);
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sb.netlab(["down", "probes"]);
    await sb.netlab(["down", "three-networks"]);
    await sb.netlab(["down", "veth-pair"]);
    await sb.netlab(["down", "dual-stack"]);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  it("passes every probe type that should pass, and fails those that should fail, for the right reason", async () => {
    writeFileSync(file, TOPOLOGY + PASSING);
    const r = await sb.netlab(["test", "probes", "--json"]);
    const report: Report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.results.filter((x) => !x.ok)).toEqual([]);
    expect(r.code).toBe(0);
    const by = (i: number) => report.results[i];
    expect(by(0)).toMatchObject({ probed: "10.70.0.3", detail: "1/1 answered" });
    expect(by(1)).toMatchObject({ detail: "2/2 answered" });
    expect(by(2)).toMatchObject({ outcome: "fail", ok: true });
    expect(by(4).detail).toBe("refused");
    expect(by(6).detail).toMatch(/refused|no answer/); // nothing listens on quiet
    expect(by(9).detail).toContain('does not contain "nope"');
    expect(by(10).detail).toBe("resolved to 10.70.0.3, fd00:70::3"); // asked of the DNS server: A, then AAAA
    expect(by(11).detail).toBe("the DNS server says NXDOMAIN");
    expect(by(14).name).toBe("server is not on 22");
    expect(by(15).detail).toBe("resolved to fd00:70::3, 10.70.0.3"); // resolver: system — getaddrinfo's order
    expect(by(16).outcome).toBe("pass");
    expect(by(17).detail).toBe("status 200"); // via: connected to server, the URL's host sent as Host
  });

  it("the table ends with N passed, M failed", async () => {
    const r = await sb.netlab(["test", "probes"]);
    expect(r.stdout).toMatch(/^FROM\s+PROBE\s+TARGET\s+EXPECT\s+RESULT\s+TIME$/m);
    expect(r.stdout).toMatch(/^18 passed, 0 failed/m);
  });

  it("failing checks exit 1 and say why; timeouts and retries are honoured", async () => {
    writeFileSync(file, TOPOLOGY + FAILING); // checks change nothing in the kernel: the running lab takes them
    const t0 = Date.now();
    const r = await sb.netlab(["test", "probes", "--json"]);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(r.code).toBe(1);
    expect(report.results.map((x) => [x.ok, x.detail])).toEqual([
      [false, "refused"],
      [false, "status 200, wanted 201"],
      [false, "resolved to 10.70.0.3, fd00:70::3, wanted 10.70.0.9"],
      [false, "no answer (timeout)"],
      [false, "connected"],
      [true, "status 200"],
    ]);
    const retried = report.results[3];
    expect(retried.attempts).toBe(3);
    expect(retried.ms).toBeGreaterThanOrEqual(3 * 500);
    expect(retried.ms).toBeLessThan(3 * 1000 + 1500);
    expect(Date.now() - t0).toBeLessThan(10_000); // checks ran concurrently
    const table = await sb.netlab(["test", "probes"]);
    expect(table.stdout).toMatch(/^1 passed, 5 failed/m);
    expect(table.stdout).toContain("FAIL it got through: connected");
    expect(table.stdout).toContain("look closer: sudo netlab exec probes client -- nc -vz -w 2 10.70.0.3 7999");
    writeFileSync(file, TOPOLOGY + PASSING);
  });

  it("writes JUnit XML a CI system can read", async () => {
    writeFileSync(file, TOPOLOGY + FAILING);
    const xmlFile = join(dir, "report.xml");
    const r = await sb.netlab(["test", "probes", "--junit", xmlFile]);
    expect(r.code).toBe(1);
    const text = readFileSync(xmlFile, "utf8");
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(text);
    const suite = doc.testsuites.testsuite;
    expect(doc.testsuites).toMatchObject({ name: "netlab", tests: "6", failures: "5" });
    expect(suite).toMatchObject({ name: "probes", tests: "6", failures: "5" });
    expect(suite.testcase).toHaveLength(6);
    expect(suite.testcase[0]).toMatchObject({ classname: "probes.client", name: "tcp server:7999", failure: { message: "refused", type: "CheckFailed" } });
    expect(suite.testcase[4].failure).toMatchObject({ message: "expected to fail, but connected", type: "UnexpectedPass" });
    expect(suite.testcase[5].failure).toBeUndefined();
    writeFileSync(file, TOPOLOGY + PASSING);
  });

  it("a stopped service fails its check", async () => {
    writeFileSync(file, TOPOLOGY + `checks:\n  - { from: client, tcp: "server:7000" }\n`);
    expect((await sb.netlab(["test", "probes"])).code).toBe(0);
    const pids = (await run(["ip", "netns", "pids", "probes-server"])).stdout.split("\n").filter(Boolean).map(Number);
    const tcpServer = pids.find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("serve\0tcp"))!;
    process.kill(tcpServer, "SIGTERM");
    const r = await sb.netlab(["test", "probes", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0].detail).toBe("refused");
    writeFileSync(file, TOPOLOGY + PASSING);
  });

  it("exit 2 when the lab is not up or the file is invalid", async () => {
    const notUp = await sb.netlab(["test", "router-lab"]);
    expect(notUp.code).toBe(2);
    expect(notUp.stderr).toContain("lab router-lab is not up");
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "name: bad\nchecks:\n  - { from: nobody, ping: x }\n");
    const invalid = await sb.netlab(["up", bad, "--test"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/bad\.yaml:3:\d+: checks\[0\]\.from: no node named "nobody"/);
  });

  it("--pingall prints the reachability matrix, holes included", async () => {
    expect((await sb.netlab(["up", "three-networks"])).code).toBe(0);
    const r = await sb.netlab(["test", "three-networks", "--pingall", "--json"]);
    expect(r.code).toBe(1); // the lab isolates on purpose
    const m = JSON.parse(r.stdout) as { matrix: Record<string, Record<string, { answered: number; of: number }>>; pairs: number; reachable: number };
    const cell = (a: string, b: string) => `${m.matrix[a][b].answered}/${m.matrix[a][b].of}`;
    // web is on frontend only; api on frontend+backend; worker on backend+data; db on data (internal).
    expect(cell("web", "api")).toBe("1/2"); // api's frontend address only
    expect(cell("web", "worker")).toBe("0/2");
    expect(cell("web", "db")).toBe("0/1");
    expect(cell("api", "worker")).toBe("1/2");
    expect(cell("worker", "db")).toBe("1/1");
    expect(cell("db", "worker")).toBe("1/2");
    expect(m.pairs).toBe(12);
    expect(m.reachable).toBe(2); // worker<->db
    const text = await sb.netlab(["test", "three-networks", "--pingall"]);
    expect(text.stdout).toContain("worker -> X ~api db");
    expect(text.stdout).toContain("83% dropped (2/12 pairs reachable");
    expect((await sb.netlab(["down", "three-networks"])).code).toBe(0);
  });

  it("--pingall covers IPv6: both families per node, holes where isolation says", async () => {
    expect((await sb.netlab(["up", "dual-stack"])).code).toBe(0);
    const m = JSON.parse((await sb.netlab(["test", "dual-stack", "--pingall", "--json"])).stdout) as { matrix: Record<string, Record<string, { answered: number; of: number; addresses: Record<string, boolean> }>> };
    expect(m.matrix.b.a.addresses).toEqual({ "10.60.1.2": true, "fd00:60:1::2": true });
    expect(m.matrix.c.a.addresses).toEqual({ "10.60.1.2": false, "fd00:60:1::2": false });
    expect(m.matrix.a.v.answered).toBe(0);
    expect((await sb.netlab(["down", "dual-stack"])).code).toBe(0);
  });

  it("up --test waits for services, passes, and --rm leaves nothing", async () => {
    const mid = await sb.snapshot();
    const r = await sb.netlab(["up", "bridge-lab", "--test", "--rm"]);
    expect(r.stdout).toMatch(/^7 passed, 0 failed/m);
    expect(r.code).toBe(0);
    expect(await sb.snapshot()).toEqual(mid);
  });

  it("up --test that fails keeps the lab up and says how to look closer", async () => {
    const f = join(dir, "vp.yaml");
    writeFileSync(f, readFileSync(join(import.meta.dirname, "../../labs/veth-pair.yaml"), "utf8") + `  - { from: red, tcp: "10.100.0.1:22" }\n`);
    const r = await sb.netlab(["up", f, "--test"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^3 passed, 1 failed/m);
    expect(r.stdout).toContain("the lab is still up for a closer look: sudo netlab inspect veth-pair");
    expect((await sb.netlab(["status"])).stdout).toMatch(/veth-pair\s+up/);
    expect((await sb.netlab(["down", "veth-pair"])).code).toBe(0);
  });
});

describe("netlab serve", () => {
  it("answers many clients at once with its name and their address, and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [NETLAB, "serve", "http", "--port", "0", "--host", "127.0.0.1", "--name", "srv"], { stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<number>((resolve) => child.stderr.on("data", (b: Buffer) => {
      const m = /listening on port (\d+)/.exec(b.toString());
      if (m) resolve(Number(m[1]));
    }));
    const exited = new Promise((r) => child.on("exit", r));
    try {
      const bodies = await Promise.all(Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/x`).then((r) => r.text())));
      for (const b of bodies) expect(b).toMatch(/^hello from srv\nyou are 127\.0\.0\.1:\d+\nGET \/x\nhost 127\.0\.0\.1:\d+\n$/);
      const status = await fetch(`http://127.0.0.1:${port}/status/503`);
      expect(status.status).toBe(503);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("tcp greets and echoes; udp answers each datagram", async () => {
    for (const kind of ["tcp", "udp"]) {
      const child = spawn(process.execPath, [NETLAB, "serve", kind, "--port", "0", "--host", "127.0.0.1", "--name", "srv"], { stdio: ["ignore", "pipe", "pipe"] });
      const port = await new Promise<number>((resolve) => child.stderr.on("data", (b: Buffer) => {
        const m = /listening on port (\d+)/.exec(b.toString());
        if (m) resolve(Number(m[1]));
      }));
      const exited = new Promise((res) => child.on("exit", res));
      try {
        // netcat-openbsd: -q would quit on stdin EOF before a UDP reply arrives.
        const r = await run(["nc", ...(kind === "udp" ? ["-u"] : ["-q", "1"]), "-w", "1", "127.0.0.1", String(port)], "ping\n");
        if (kind === "tcp") expect(r.stdout).toMatch(/^hello from srv, you are 127\.0\.0\.1:\d+\nping\n$/);
        else expect(r.stdout).toMatch(/^srv: 127\.0\.0\.1:\d+ ping\n$/);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
    }
  });
});
