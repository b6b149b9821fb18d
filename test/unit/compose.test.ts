// Compose files as labs: the networking subset lowered with Docker's semantics, every key not
// read warned about at its line, and bad input refused at its line in the Compose file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatProblem, LabError } from "../../src/errors.js";
import { labFromText, sourceOf } from "../../src/lab/load.js";

const load = (yaml: string) => labFromText(yaml, "docker-compose.yml");
const problems = (yaml: string): string[] => {
  try {
    load(yaml);
  } catch (e) {
    if (e instanceof LabError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error("expected the file to be refused");
};
const warnings = (yaml: string) => (sourceOf(load(yaml))?.warnings ?? []).map(formatProblem);
const node = (yaml: string, name: string) => load(yaml).nodes.find((n) => n.name === name)!;

describe("Compose: the shipped frontend/backend file", () => {
  const text = readFileSync(new URL("../../labs/compose.yml", import.meta.url), "utf8");
  const lab = load(text);
  it("is a lab: services as nodes, networks as bridges with Docker's NAT and internal", () => {
    expect(lab.name).toBe("compose");
    expect(lab.nodes.map((n) => n.name)).toEqual(["proxy", "app", "db"]);
    const [front, back] = lab.networks;
    expect([front.name, front.subnet, front.nat, front.internal, front.dns]).toEqual(["frontend", "172.18.0.0/16", true, false, true]);
    expect([back.name, back.subnet, back.nat, back.internal]).toEqual(["backend", "172.29.0.0/24", false, true]);
  });
  it("addresses, aliases, published ports, and a stand-in server per port", () => {
    const db = lab.nodes.find((n) => n.name === "db")!;
    expect(db.intfs[0]).toMatchObject({ name: "eth0", addrs: ["172.29.0.10/24"], aliases: ["database"] });
    expect(db.run).toEqual(["netlab serve http --port 5432"]);
    const proxy = lab.nodes.find((n) => n.name === "proxy")!;
    expect(proxy.publish.map((p) => p.spec)).toEqual(["8080:80"]);
    expect(proxy.run).toEqual(["netlab serve http --port 80"]);
    expect(lab.checks).toHaveLength(6);
  });
  it("warns about what it does not read, by name and line", () => {
    expect(warnings(text)).toEqual([
      expect.stringMatching(/^docker-compose\.yml:10:5: services\.proxy\.image: not read by netlab\n  hint: netlab runs no images/),
      expect.stringMatching(/^docker-compose\.yml:14:5: services\.app\.build: not read by netlab/),
      expect.stringMatching(/^docker-compose\.yml:18:5: services\.db\.image: not read by netlab/),
    ]);
  });
});

describe("Compose: Docker's semantics", () => {
  it("a service without networks joins `default`; a second network gets the next /16", () => {
    const lab = load("name: p\nservices:\n  a: {}\n  b: { networks: [x] }\nnetworks:\n  x: {}\n");
    expect(lab.networks.map((n) => [n.name, n.subnet])).toEqual([["x", "172.18.0.0/16"], ["default", "172.19.0.0/16"]]);
    expect(lab.checks).toEqual([]); // a and b share no network, and publish nothing
  });
  it("network_mode: none, host, bridge, service:X and container:X", () => {
    const y = `name: p
services:
  lone: { network_mode: none, command: sleep 1000 }
  web: { expose: ["80"], container_name: web-1 }
  side: { network_mode: "service:web", command: [echo, "a b"] }
  side2: { network_mode: "container:web-1", expose: ["9000/udp"] }
  hosted: { network_mode: host, expose: ["81"] }
  old: { network_mode: bridge }
`;
    const lab = load(y);
    expect(lab.nodes.map((n) => n.name)).toEqual(["lone", "web", "old"]);
    expect(node(y, "lone").intfs).toEqual([]);
    expect(node(y, "web").run).toEqual(["echo 'a b'", "netlab serve udp --port 9000", "netlab serve http --port 80"]);
    expect(node(y, "web").intfs[0]).toMatchObject({ network: "default", aliases: ["web-1"] });
    expect(lab.host.run).toEqual(["netlab serve http --port 81 --name hosted"]);
    expect(lab.networks.find((n) => n.name === "bridge")).toMatchObject({ subnet: "172.17.0.0/16", dns: false });
  });
  it("ports: short, long, udp, ranges, bound to an address; a bare port is published on itself, with a warning", () => {
    const y = `name: p
services:
  a:
    ports: ["127.0.0.1:8080:80", "5353:53/udp", "9000-9001:9000-9001", { target: 443, published: 8443 }, "7000"]
`;
    expect(node(y, "a").publish.map((p) => p.spec)).toEqual(["127.0.0.1:8080:80", "5353:53/udp", "9000:9000", "9001:9001", "8443:443", "7000:7000"]);
    expect(warnings(y)[0]).toMatch(/^docker-compose\.yml:4:106: services\.a\.ports\[4\]: "7000": Docker publishes it on a random host port/);
  });
  it("dns, dns_search and extra_hosts", () => {
    const a = node("name: p\nservices:\n  a: { dns: 10.0.0.53, dns_search: corp, extra_hosts: [\"gw:10.0.0.1\", \"db=10.0.0.2\"] }\n", "a");
    expect(a.resolv).toEqual({ nameservers: ["10.0.0.53"], search: ["corp"] });
    expect(a.extraHosts).toEqual([["10.0.0.1", "gw"], ["10.0.0.2", "db"]]);
  });
});

describe("Compose: bad input, at its line in the Compose file", () => {
  it("no services", () => {
    expect(problems("name: p\nservices: {}\n")).toEqual([expect.stringMatching(/^docker-compose\.yml:2:1: services: the Compose file has no services/)]);
  });
  it("a version netlab cannot read", () => {
    expect(problems('version: "1"\nservices:\n  a: {}\n')[0]).toMatch(/^docker-compose\.yml:1:1: version: Compose file version "1" is not one netlab reads/);
  });
  it("an unknown network, a driver netlab does not build, an external network", () => {
    expect(problems("name: p\nservices:\n  a: { networks: [nope] }\n")[0]).toMatch(/^docker-compose\.yml:3:8: services\.a\.networks\.nope: no network named "nope"/);
    expect(problems("name: p\nservices:\n  a: {}\nnetworks:\n  o: { driver: overlay }\n")[0]).toMatch(/networks\.o\.driver: network driver "overlay" is not one netlab builds/);
    expect(problems("name: p\nservices:\n  a: {}\nnetworks:\n  o: { external: true }\n")[0]).toMatch(/networks\.o\.external: network o is external/);
  });
  it("a bad port, and an address outside its subnet (found by netlab's own checks, located in the Compose file)", () => {
    expect(problems('name: p\nservices:\n  a: { ports: ["80:http"] }\n')[0]).toMatch(/^docker-compose\.yml:3:16: services\.a\.ports\[0\]: "80:http" is not a port/);
    const p = problems("name: p\nservices:\n  a:\n    networks:\n      n: { ipv4_address: 10.9.9.9 }\nnetworks:\n  n:\n    ipam: { config: [{ subnet: 172.30.0.0/24 }] }\n");
    expect(p[0]).toMatch(/^docker-compose\.yml:5:12: nodes\.a\.networks\.n\.ip: 10\.9\.9\.9 is outside subnet 172\.30\.0\.0\/24/);
  });
});
