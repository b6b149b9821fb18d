// How Compose reads a file before netlab lowers it: variables (environment over .env, --env-file),
// YAML merge keys, the project's name, profiles — each as the Compose Specification says.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDotenv } from "../../src/compose/dotenv.js";
import { substitute } from "../../src/compose/interpolate.js";
import { normalizeProjectName } from "../../src/compose/project.js";
import { formatProblem, LabError } from "../../src/errors.js";
import { labFromText, loadLabFile } from "../../src/lab/load.js";
import { LabSource } from "../../src/lab/source.js";
import { kernelLab, nsName } from "../../src/net/names.js";
import { load, problems, warnings } from "./compose-helpers.js";

const env = (vars: Record<string, string>) => (k: string) => vars[k];

describe("interpolation: every form of the specification", () => {
  const vars = env({ SET: "v", EMPTY: "", PORT: "9000" });
  it.each([
    ["$SET and ${SET}", "v and v"],
    ["${UNSET:-d} ${EMPTY:-d} ${SET:-d}", "d d v"],
    ["${UNSET-d} [${EMPTY-d}] ${SET-d}", "d [] v"],
    ["[${UNSET:+alt}] [${EMPTY:+alt}] ${SET:+alt}", "[] [] alt"],
    ["[${UNSET+alt}] ${EMPTY+alt} ${SET+alt}", "[] alt alt"],
    ["${SET:?err} ${EMPTY?err}", "v "],
    ["$$SET costs $$5, $ alone, $1", "$SET costs $5, $ alone, $1"],
    ["${UNSET:-${PORT:-80}}:80", "9000:80"],
    ["${UNSET:-{a}}", "{a}"],
  ])("%s", (text, want) => expect(substitute(text, vars)).toBe(want));
  it("a required variable, unset or empty, and a ${ that is not a variable, are errors", () => {
    expect(() => substitute("${UNSET:?set UNSET}", vars)).toThrow("required variable UNSET is not set: set UNSET");
    expect(() => substitute("${EMPTY:?}", vars)).toThrow("required variable EMPTY is empty");
    expect(() => substitute("${EMPTY?x}", vars)).not.toThrow();
    expect(() => substitute("${}", vars)).toThrow("is not a variable");
    expect(() => substitute("${A B}", vars)).toThrow("is not a form Compose reads");
  });
});

describe("interpolation in a Compose file: values, not keys, before validation, with line and column kept", () => {
  const y = 'name: p\nservices:\n  web:\n    ports: ["${WEB_PORT:-8080}:80"]\n';
  it('"${WEB_PORT:-8080}:80" publishes 8080, or WEB_PORT from the environment', () => {
    expect(load(y).nodes[0].publish.map((p) => p.spec)).toEqual(["8080:80"]);
    expect(load(y, { environment: { WEB_PORT: "9000" } }).nodes[0].publish.map((p) => p.spec)).toEqual(["9000:80"]);
  });
  it("keys are never interpolated", () => {
    expect(load('name: p\nservices:\n  a: { labels: { "${K}": "${V}" } }\n', { environment: { K: "k", V: "v" } }).nodes[0].labels).toEqual({ "${K}": "v" });
  });
  it("a missing ${VAR:?err} is an error at the value's line and column (exit 2: a LabError)", () => {
    expect(problems('name: p\nservices:\n  web:\n    ports:\n      - "${PORT:?set PORT in .env}:80"\n')).toEqual([
      "docker-compose.yml:5:9: services.web.ports[0]: required variable PORT is not set: set PORT in .env\n  hint: set it in the environment, or in the .env file beside the Compose file",
    ]);
  });
  it("an unset variable where netlab reads is one warning; elsewhere it is Docker's business", () => {
    expect(warnings('name: p\nservices:\n  web:\n    image: "${IMG}"\n    ports: ["${A}:80", "${B}:81"]\n')).toEqual([
      expect.stringMatching(/^docker-compose\.yml:5:13: services\.web\.ports\[0\]: variables not set, read as empty: A, B/),
      expect.stringMatching(/2 published ports name no host port/),
    ]);
  });
  it("booleans of networks may come from variables", () => {
    expect(load("name: p\nservices:\n  a: { networks: [n] }\nnetworks:\n  n: { internal: \"${INT}\" }\n", { environment: { INT: "true" } }).networks[0].internal).toBe(true);
  });
});

describe("the .env file and --env-file", () => {
  const dir = mkdtempSync(join(tmpdir(), "netlab-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const compose = 'services:\n  web:\n    ports: ["${WEB_PORT}:80", "${OTHER:-1}:81"]\n';
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "app", "docker-compose.yml"), compose);
  writeFileSync(join(dir, "app", ".env"), "# a comment\nexport WEB_PORT=8000 # trailing\nOTHER='82'\n");
  writeFileSync(join(dir, "other.env"), 'WEB_PORT="${BASE}1"\n');
  const specs = (opts = {}) => loadLabFile(join(dir, "app", "docker-compose.yml"), { compose: { environment: {}, ...opts } }).nodes[0].publish.map((p) => p.spec);
  it("the .env beside the file", () => expect(specs()).toEqual(["8000:80", "82:81"]));
  it("the process environment wins over .env, as in Compose", () => expect(specs({ environment: { WEB_PORT: "7000" } })).toEqual(["7000:80", "82:81"]));
  it("--env-file instead of .env, expanding from the environment", () => expect(specs({ envFiles: [join(dir, "other.env")], environment: { BASE: "900" } })).toEqual(["9001:80", "1:81"]));
  it("dotenv: quotes, escapes, bare keys from the environment, multi-line values, bad names located", () => {
    const out = new Map<string, string>();
    const probs: { line: number; message: string }[] = [];
    parseDotenv('A="x\\ny"\nB=\'$A\'\nC=${A:-z}\nHOME\nD="one\ntwo"\nbad key=1\n', env({ HOME: "/root" }), out, probs);
    expect(Object.fromEntries(out)).toEqual({ A: "x\ny", B: "$A", C: "x\ny", HOME: "/root", D: "one\ntwo" });
    expect(probs).toEqual([{ line: 7, message: '"bad key" is not a variable name' }]);
  });
});

describe("YAML merge keys and anchors", () => {
  it("<<: *anchor is applied: the service lands on the anchor's network; its own keys win; lists merge in order", () => {
    const lab = load(`name: p
x-net: &net { networks: [back] }
x-ports: &ports { ports: ["80:80"], expose: [1] }
services:
  a:
    <<: *net
  b:
    <<: [*ports, *net]
    expose: [2]
networks:
  back: {}
`);
    expect(lab.nodes.map((n) => [n.name, n.intfs.map((i) => i.network)])).toEqual([["a", ["back"]], ["b", ["back"]]]);
    expect(lab.nodes[1].run).toEqual(["netlab serve http --port 80", "netlab serve http --port 2"]);
  });
  it("a problem in a merged key points into the anchor, where it is written", () => {
    expect(problems('name: p\nx-d: &d\n  ports: ["80:http"]\nservices:\n  a:\n    <<: *d\n')[0]).toMatch(/^docker-compose\.yml:3:11: services\.a\.ports\[0\]: "80:http" is not a port/);
  });
  it("131 merges are ordinary; expansion is bounded by size, not by how many aliases a file uses", () => {
    const svcs = Array.from({ length: 131 }, (_, i) => `  s${i}: { <<: *d }\n`).join("");
    expect(load(`name: p\nx-d: &d { restart: always, networks: [default] }\nservices:\n${svcs}`).nodes).toHaveLength(131);
    const bomb = `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`;
    expect(() => LabSource.fromText(bomb)).toThrow(/expands to more than 500,000 values/);
  });
});

describe("profiles", () => {
  const y = 'name: p\nservices:\n  app: { ports: ["8080:80"] }\n  debug: { profiles: [debug], ports: ["8080:8080"] }\n  cpu: { profiles: [cpu, all] }\n';
  it("a service with profiles starts only when one is active: two services publishing 8080 do not collide", () => {
    expect(load(y).nodes.map((n) => n.name)).toEqual(["app"]);
    expect(load(y, { environment: {}, profiles: ["cpu"] }).nodes.map((n) => n.name)).toEqual(["app", "cpu"]);
    expect(load(y, { environment: { COMPOSE_PROFILES: "all, cpu" } }).nodes.map((n) => n.name)).toEqual(["app", "cpu"]);
    expect(problems(y, { environment: {}, profiles: ["*"] })[0]).toMatch(/host port 8080\/tcp is already published by app/);
  });
  it("a reference to a service whose profiles are off is an error, as in Compose", () => {
    expect(problems("name: p\nservices:\n  a: { network_mode: \"service:b\" }\n  b: { profiles: [x] }\n")[0]).toMatch(/services\.a\.network_mode: service "b" is not enabled: its profiles \(x\) are not active\n  hint: --profile x/);
    expect(problems("name: p\nservices:\n  a: { depends_on: [b] }\n  b: { profiles: [x] }\n")[0]).toMatch(/services\.a\.depends_on\[0\]: a depends on b, which is not enabled/);
  });
});

describe("the project name, as Compose derives it", () => {
  const dir = mkdtempSync(join(tmpdir(), "netlab-proj-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (d: string, text = "services:\n  a: {}\n") => (mkdirSync(join(dir, d), { recursive: true }), writeFileSync(join(dir, d, "compose.yml"), text), join(dir, d, "compose.yml"));
  it("normalised: lowercase, a-z 0-9 _ -, not starting with _ or -", () => {
    expect(normalizeProjectName("_My.App-2024_x")).toBe("myapp-2024_x");
  });
  it("from the directory, kept whole: nginx-flask-mysql and nginx-flask-mongo are two labs with two kernel prefixes", () => {
    const a = loadLabFile(file("nginx-flask-mysql"), { compose: { environment: {} } });
    const b = loadLabFile(file("nginx-flask-mongo"), { compose: { environment: {} } });
    expect([a.name, b.name]).toEqual(["nginx-flask-mysql", "nginx-flask-mongo"]);
    expect(kernelLab(a.name)).not.toBe(kernelLab(b.name));
    expect(kernelLab(a.name)).toBe("nginx-flask-mysql"); // 19 characters or fewer: the prefix is the name
    expect(kernelLab("nginx-flask-mysql-and-more")).toMatch(/^nginx-[a-z0-9]{5}$/); // longer: first letters and a hash
    expect(a.nodes[0].ns).toBe(nsName(a.name, "a"));
    expect(loadLabFile(file("Pihole-DoH"), { compose: { environment: {} } }).name).toBe("pihole-doh");
    expect(loadLabFile(file("2fa_app"), { compose: { environment: {} } }).name).toBe("2fa_app");
  });
  it("name: (interpolated), COMPOSE_PROJECT_NAME and -p, in Compose's order; a -p Compose would refuse is refused", () => {
    const f = file("dir", "name: ${N:-named}\nservices:\n  a: {}\n");
    const nameOf = (compose: object) => loadLabFile(f, { compose: { environment: {}, ...compose } }).name;
    expect(nameOf({})).toBe("named");
    expect(nameOf({ environment: { COMPOSE_PROJECT_NAME: "fromenv" } })).toBe("fromenv");
    expect(nameOf({ environment: { COMPOSE_PROJECT_NAME: "fromenv" }, projectName: "flag" })).toBe("flag");
    try {
      nameOf({ projectName: "Bad.Name" });
      throw new Error("not refused");
    } catch (e) {
      expect((e as LabError).problems.map(formatProblem)[0]).toMatch(/invalid project name "Bad\.Name" \(from -p\)/);
    }
  });
  it("COMPOSE_PROJECT_NAME is there for interpolation", () => {
    expect(labFromText("name: proj\nservices:\n  a: { container_name: \"${COMPOSE_PROJECT_NAME}_a\" }\n", join(dir, "x.yml"), { compose: { environment: {} } }).nodes[0].intfs[0].aliases).toEqual(["proj_a"]);
  });
});

describe("interpolation bounds (review)", () => {
  it("a value nesting ${ deeper than 16 is an error, not a stack overflow", async () => {
    const { substitute } = await import("../../src/compose/interpolate.js");
    expect(() => substitute("${A:-".repeat(2000), () => undefined)).toThrow(/nests \$\{…\} more than 16 deep/);
    expect(substitute("${A:-${B:-${C:-x}}}", () => undefined)).toBe("x");
  });
});
