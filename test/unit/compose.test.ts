// Compose files as labs: the networking subset lowered with Docker's semantics, refusals and
// warnings located in the Compose file and named in its own keys, what does not change the network
// said once, and images' commands never run.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sourceOf } from "../../src/lab/load.js";
import { load, problems, warnings } from "./compose-helpers.js";

const notes = (yaml: string) => (sourceOf(load(yaml))?.notes ?? []).map((n) => `${n.when}: ${n.text}`);
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
  it("addresses; names: aliases and Compose's container name; a stand-in server per port", () => {
    const db = lab.nodes.find((n) => n.name === "db")!;
    expect(db.intfs[0]).toMatchObject({ name: "eth0", addrs: ["172.29.0.10/24"], aliases: ["database", "compose-db-1"] });
    expect(db.run).toEqual(["netlab serve http --port 5432"]);
    const proxy = lab.nodes.find((n) => n.name === "proxy")!;
    expect(proxy.publish.map((p) => p.spec)).toEqual(["8080:80"]);
    expect(proxy.run).toEqual(["netlab serve http --port 80"]);
    expect(lab.checks).toHaveLength(6);
  });
  it("warns of nothing; says once, at validate, what it leaves aside, and at up that images are not run", () => {
    expect(warnings(text)).toEqual([]);
    expect(notes(text)).toEqual([
      "up: images and commands are not run (netlab runs no images): stand-in servers answer on the ports of proxy, app, db; x-netlab: { run: \"…\" } on a service runs a command of yours instead",
      "verbose: not used, as they do not change the network — services: image (2), build",
    ]);
  });
});

describe("Compose: Docker's semantics", () => {
  it("a service without networks joins `default`; a second network gets the next /16", () => {
    const lab = load("name: p\nservices:\n  a: {}\n  b: { networks: [x] }\nnetworks:\n  x: {}\n");
    expect(lab.networks.map((n) => [n.name, n.subnet])).toEqual([["x", "172.18.0.0/16"], ["default", "172.19.0.0/16"]]);
    expect(lab.checks).toEqual([]); // a and b share no network, and publish nothing
  });
  it("`default` may be named beside other networks without being declared (networks: [default, backend])", () => {
    const lab = load("name: p\nservices:\n  a: { networks: [default, backend] }\n  b: {}\nnetworks:\n  backend: {}\n");
    expect(lab.nodes[0].intfs.map((i) => i.network)).toEqual(["default", "backend"]);
    expect(lab.nodes[1].intfs.map((i) => i.network)).toEqual(["default"]);
  });
  it("network_mode: none, host, bridge, service:X and container:X", () => {
    const y = `name: p
services:
  lone: { network_mode: none }
  web: { expose: ["80"], container_name: web-1 }
  side: { network_mode: "service:web", x-netlab: { run: [echo "a b"] } }
  side2: { network_mode: "container:web-1", expose: ["9000/udp"] }
  hosted: { network_mode: host, expose: ["81"] }
  old: { network_mode: bridge }
`;
    const lab = load(y);
    expect(lab.nodes.map((n) => n.name)).toEqual(["lone", "web", "old"]);
    expect(node(y, "lone").intfs).toEqual([]);
    expect(node(y, "web").run).toEqual(["netlab serve http --port 80", expect.stringMatching(/cd "\$NETLAB_STATE\/work\/\$NETLAB_NODE" && echo "a b"$/), "netlab serve udp --port 9000"]);
    expect(node(y, "web").intfs[0]).toMatchObject({ network: "default", aliases: ["web-1"] });
    expect(lab.host.run).toEqual(["netlab serve http --port 81 --name hosted"]);
    expect(lab.networks.find((n) => n.name === "bridge")).toMatchObject({ subnet: "172.17.0.0/16", dns: false });
  });
  it("ports: short, long, udp, ranges, bound to an address; 0.0.0.0 and [::] mean every address", () => {
    const y = `name: p
services:
  a:
    ports: ["127.0.0.1:8080:80", "5353:53/udp", "9000-9001:9000-9001", { target: 443, published: 8443 }, "0.0.0.0:8081:81", "[::]:8082:82"]
`;
    expect(node(y, "a").publish.map((p) => p.spec)).toEqual(["127.0.0.1:8080:80", "5353:53/udp", "9000:9000", "9001:9001", "8443:443", "8081:81", "8082:82"]);
    expect(node(y, "a").publish.find((p) => p.port === 81)!.hostIp).toBeUndefined();
  });
  it("a port without a host port: the same port where free, else one from 32768, said in one warning", () => {
    const y = "name: p\nservices:\n  a: { ports: [\"8080\", \"7000\"] }\n  b: { ports: [\"8080:8080\"] }\n  c: { ports: [\"8080\"] }\n";
    expect(load(y).nodes.map((n) => n.publish.map((p) => p.spec))).toEqual([["32768:8080", "7000:7000"], ["8080:8080"], ["32769:8080"]]);
    expect(warnings(y)).toEqual([expect.stringMatching(/^docker-compose\.yml:3:16: services\.a\.ports\[0\]: 3 published ports name no host port, where Docker picks a random one: netlab publishes each on the same port where it is free \(a's 8080 on 32768, c's 8080 on 32769: the port is taken\)/)]);
  });
  it("a service only on internal networks publishes nothing (as Docker); with another network it publishes through that one", () => {
    const y = "name: p\nservices:\n  db: { networks: [back], ports: [\"5432:5432\"] }\n  app: { networks: [back, front], ports: [\"8080:80\"] }\nnetworks:\n  back: { internal: true }\n  front: {}\n";
    const lab = load(y);
    expect(lab.nodes[0].publish).toEqual([]);
    expect(lab.nodes[1].publish.map((p) => [p.spec, p.to])).toEqual([["8080:80", lab.nodes[1].intfs[1].addrs[0].split("/")[0]]]);
    expect(warnings(y)).toEqual([expect.stringMatching(/services\.db\.ports: db is only on internal networks, where Docker publishes no ports: not published/)]);
  });
  it("dns, dns_search (an empty one is none), extra_hosts in both forms, host-gateway as the host's address on the service's network", () => {
    const a = node("name: p\nservices:\n  a: { dns: 10.0.0.53, dns_search: corp, extra_hosts: [\"gw:10.0.0.1\", \"db=10.0.0.2\", \"host.docker.internal:host-gateway\"] }\n", "a");
    // Docker (issue 17): on a network with the embedded DNS, dns: servers are its upstreams and resolv.conf keeps 127.0.0.11.
    expect(a.upstreams).toEqual(["10.0.0.53"]);
    expect(a.resolv).toEqual({ nameservers: [], search: ["corp"] });
    // On Docker's default bridge there is no embedded DNS: the servers are resolv.conf's own.
    const c = node("name: p\nservices:\n  c: { network_mode: bridge, dns: [10.0.0.53] }\n", "c");
    expect(c.resolv).toEqual({ nameservers: ["10.0.0.53"], search: [] });
    expect(a.extraHosts).toEqual([["10.0.0.1", "gw"], ["10.0.0.2", "db"], ["172.18.0.1", "host.docker.internal"]]);
    const b = node("name: p\nservices:\n  b: { networks: [n], dns_search: \"\", extra_hosts: { host.docker.internal: host-gateway } }\nnetworks:\n  n: { ipam: { config: [{ subnet: 10.5.0.0/24, gateway: 10.5.0.254 }] } }\n", "b");
    expect(b.resolv).toBeUndefined();
    expect(b.extraHosts).toEqual([["10.5.0.254", "host.docker.internal"]]);
  });
  it("sysctls and labels in list form, as in map form", () => {
    const a = node("name: p\nservices:\n  a: { sysctls: [net.ipv4.ip_forward=1], labels: [\"traefik.enable=true\", \"x=a=b\"] }\n", "a");
    expect(a.sysctls).toEqual({ "net.ipv4.ip_forward": "1" });
    expect(a.labels).toEqual({ "traefik.enable": "true", x: "a=b" });
  });
  it("enable_ipv6 without an IPv6 subnet: a /64 of the project's own unique local /48, as Docker 27+", () => {
    const lab = load("name: p\nservices:\n  a: { networks: [v6, v6b] }\nnetworks:\n  v6: { enable_ipv6: true }\n  v6b: { enable_ipv6: \"true\" }\n");
    const [a, b] = lab.networks.map((n) => n.subnet6!);
    expect(a).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{4}(:0)?::\/64$/); // canonical form: netlab writes prefixes as it parsed them
    expect(b).toBe(a.replace(/(:0)?::\/64$/, ":1::/64"));
    expect(lab.nodes[0].intfs[0].addrs).toEqual(["172.18.0.2/16", a.replace(/(:0)?::\/64$/, "::2/64")]);
  });
  it("legacy links with an alias make the alias answer for the linked service", () => {
    const lab = load("name: p\nservices:\n  web: { links: [\"db:database\", db] }\n  db: {}\n");
    expect(lab.nodes[1].intfs[0].aliases).toEqual(["p-db-1", "database"]);
  });
});

describe("Compose: container names and names the lab could not take as they are", () => {
  it("container_name equal to the service's name is no alias at all; one with '_' is a name Docker's DNS answers", () => {
    const lab = load("name: p\nservices:\n  web: { container_name: web }\n  db: { container_name: nextcloud_db }\n");
    expect(lab.nodes.map((n) => n.intfs[0].aliases)).toEqual([undefined, ["nextcloud_db"]]);
  });
  it("a network named meet.jitsi and a service name over 32 characters: lab names of their own, the Compose names still answer", () => {
    const long = "a-service-whose-name-is-longer-than-32";
    const lab = load(`name: p\nservices:\n  ${long}: { networks: [meet.jitsi] }\n  web.app: { networks: { meet.jitsi: { aliases: [xmpp.meet.jitsi] } } }\nnetworks:\n  meet.jitsi: {}\n`);
    expect(lab.networks.map((n) => n.name)).toEqual(["meet-jitsi"]);
    expect(lab.nodes.map((n) => n.name)).toEqual([expect.stringMatching(/^a-service-whose-name-is-l-[0-9a-f]{6}$/), "web-app"]);
    expect(lab.nodes[0].name.length).toBeLessThanOrEqual(32);
    expect(lab.nodes[0].intfs[0].aliases).toEqual([long, `p-${long}-1`]);
    expect(lab.nodes[1].intfs[0].aliases).toEqual(["xmpp.meet.jitsi", "web.app", "p-web.app-1"]);
  });
  it("errors speak of the Compose file's own keys, never of the lowered lab's", () => {
    const p = problems("name: p\nservices:\n  a:\n    networks:\n      n: { ipv4_address: 10.9.9.9, aliases: [\"bad name\"] }\nnetworks:\n  n:\n    ipam: { config: [{ subnet: 172.30.0.0/24 }] }\n");
    expect(p[0]).toMatch(/^docker-compose\.yml:5:46: services\.a\.networks\.n\.aliases\[0\]: "bad name" is not a DNS name/);
    const q = problems("name: p\nservices:\n  a:\n    networks:\n      n: { ipv4_address: 10.9.9.9 }\nnetworks:\n  n:\n    ipam: { config: [{ subnet: 172.30.0.0/24 }] }\n");
    expect(q[0]).toMatch(/^docker-compose\.yml:5:12: services\.a\.networks\.n\.ipv4_address: 10\.9\.9\.9 is outside subnet 172\.30\.0\.0\/24/);
    expect(q.join("\n")).not.toMatch(/nodes\./);
  });
});

describe("Compose: images' commands are never run", () => {
  it("command and entrypoint are not run; the ports get stand-in servers; the note says so", () => {
    const y = "name: p\nservices:\n  db: { image: redis, command: redis-server --appendonly yes, expose: [6379] }\n  w: { image: busybox, command: sh -c 'id -un > f' }\n";
    expect(load(y).nodes.map((n) => n.run)).toEqual([["netlab serve http --port 6379"], []]);
    expect(notes(y)[0]).toBe("up: images and commands are not run (netlab runs no images): stand-in servers answer on the ports of db; w publishes and exposes no port, so it runs nothing; x-netlab: { run: \"…\" } on a service runs a command of yours instead");
  });
  it("x-netlab: { run } opts in: the file's commands, in the node's own directory, instead of the stand-ins; said at up", () => {
    const y = "name: p\nservices:\n  web:\n    command: ignored\n    ports: [\"8080:8000\"]\n    x-netlab: { run: python3 -m http.server 8000 }\n";
    expect(node(y, "web").run).toEqual(['mkdir -p "$NETLAB_STATE/work/$NETLAB_NODE" && cd "$NETLAB_STATE/work/$NETLAB_NODE" && python3 -m http.server 8000']);
    expect(notes(y)[0]).toBe("up: x-netlab run: web runs the file's commands as root in its node, in a directory of its own under /run/netlab/p/work/");
  });
  it("x-netlab at the top takes checks and isolated", () => {
    expect(problems("name: p\nservices:\n  a: {}\nx-netlab: { chekcs: [] }\n")[0]).toMatch(/x-netlab\.chekcs: unknown key "chekcs"\n  hint: did you mean "checks"\?/);
  });
  it("x-netlab on a service takes run only", () => {
    expect(problems("name: p\nservices:\n  a: { x-netlab: { rnu: x } }\n")[0]).toMatch(/services\.a\.x-netlab\.rnu: unknown key "rnu"\n  hint: did you mean "run"\?/);
  });
});

describe("Compose: typos are errors, what does not change the network is said once", () => {
  it("prots: and netwroks: are errors with did you mean, at their line", () => {
    expect(problems("name: p\nservices:\n  a:\n    prots: [\"80:80\"]\n    netwroks: [x]\n")).toEqual([
      'docker-compose.yml:4:5: services.a.prots: unknown key "prots"\n  hint: did you mean "ports"?',
      'docker-compose.yml:5:5: services.a.netwroks: unknown key "netwroks"\n  hint: did you mean "networks"?',
    ]);
    expect(problems("name: p\nservies:\n  a: {}\nservices:\n  a: {}\n")[0]).toMatch(/^docker-compose\.yml:2:1: servies: unknown key "servies"\n  hint: did you mean "services"\?/);
  });
  it("an ordinary three-service file warns of nothing: its other keys are one note, for validate and --verbose", () => {
    const y = `name: p
services:
  web: { image: nginx, restart: always, depends_on: [api], ports: ["80:80"], volumes: ["./a:/a"] }
  api: { build: ., environment: { A: "1" }, healthcheck: { test: [CMD, true] }, deploy: { resources: {} } }
  db: { image: postgres, env_file: .env, volumes: ["d:/var/lib/postgresql/data"] }
volumes: { d: {} }
`;
    expect(warnings(y)).toEqual([]);
    expect(notes(y).at(-1)).toBe("verbose: not used, as they do not change the network — top level: volumes; services: image (2), volumes (2), restart, depends_on, build, environment, healthcheck, deploy, env_file");
  });
  it("what would change the network and cannot be honoured is a warning, with why", () => {
    expect(warnings("name: p\nservices:\n  a: { deploy: { replicas: 3 }, dns_opt: [ndots:1] }\n  b: { networks: { default: { gw_priority: 1 } } }\n")).toEqual([
      expect.stringMatching(/services\.a\.dns_opt: not honoured: resolver options are not written/),
      expect.stringMatching(/services\.a\.deploy: 3 replicas: netlab makes one node per service/),
      expect.stringMatching(/services\.b\.networks\.default\.gw_priority: not honoured: the default route goes through the first network/),
    ]);
  });
  it("default checks: every pair while there are at most 50, else a ring on each network, and the note says which", () => {
    const many = `name: p\nservices:\n${Array.from({ length: 9 }, (_, i) => `  s${i}: {}\n`).join("")}`;
    const lab = load(many);
    expect(lab.checks.map((c) => c.name)).toEqual(Array.from({ length: 9 }, (_, i) => `s${i} reaches s${(i + 1) % 9} by name`));
    expect(notes(many)).toContain("verbose: default checks (no x-netlab: checks): a ring on each network reaches the next by name (9 of 72 pairs: more than 50); published ports answer on the host (0); a service's first port answers a peer (0)");
    expect(load(`name: p\nservices:\n${Array.from({ length: 7 }, (_, i) => `  s${i}: {}\n`).join("")}`).checks).toHaveLength(42);
  });
});

describe("Compose: bad input, at its line in the Compose file", () => {
  it("no services", () => {
    expect(problems("name: p\nservices: {}\n")).toEqual([expect.stringMatching(/^docker-compose\.yml:2:1: services: the Compose file has no services/)]);
  });
  it("a version netlab cannot read", () => {
    expect(problems('version: "1"\nservices:\n  a: {}\n')[0]).toMatch(/^docker-compose\.yml:1:1: version: Compose file version "1" is not one netlab reads/);
  });
  it("an unknown network (with a guess), a driver netlab does not build, an external network", () => {
    expect(problems("name: p\nservices:\n  a: { networks: [backnd] }\nnetworks:\n  backend: {}\n")[0]).toMatch(/^docker-compose\.yml:3:19: services\.a\.networks\[0\]: no network named "backnd"\n  hint: did you mean "backend"\?/);
    expect(problems("name: p\nservices:\n  a: {}\nnetworks:\n  o: { driver: overlay }\n")).toEqual([expect.stringMatching(/networks\.o\.driver: network driver "overlay" spans the hosts of a Docker Swarm/)]);
    expect(problems("name: p\nservices:\n  a: {}\nnetworks:\n  o: { external: true }\n")[0]).toMatch(/networks\.o\.external: network o is external/);
  });
  it("a bad port", () => {
    expect(problems('name: p\nservices:\n  a: { ports: ["80:http"] }\n')[0]).toMatch(/^docker-compose\.yml:3:16: services\.a\.ports\[0\]: "80:http" is not a port/);
  });
  it("include: other files are not read", () => {
    expect(problems("name: p\ninclude: [other.yml]\nservices:\n  a: {}\n")[0]).toMatch(/^docker-compose\.yml:2:1: include: include: brings in other Compose files, and netlab reads one/);
  });
});
