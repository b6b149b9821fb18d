// Golden plans: what `netlab up --dry-run` prints for every shipped lab. A change in
// what netlab does to the kernel shows up here as a diff to review.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { labFromText, shippedLabs } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { cleanupScript } from "../../src/runtime/iptables-live.js";
import { procSys, sameSysctl } from "../../src/net/sysctl.js";
import { renderOp, renderPlan } from "../../src/runtime/ops/index.js";

describe("golden plans", () => {
  for (const file of shippedLabs()) {
    const ref = basename(file).replace(/\.ya?ml$/, "");
    it(ref, async () => {
      const lab = labFromText(readFileSync(file, "utf8"), `labs/${basename(file)}`);
      const plan = compile(lab, { stateDir: `/run/netlab/${lab.name}`, hostResolv: "nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.internal\n" });
      await expect(renderPlan(plan, `netlab up ${lab.name}`)).toMatchFileSnapshot(`../golden/${ref}.sh`);
    });
  }

  it("puts an isolated lab's host side in a namespace of its own", () => {
    const lab = labFromText(readFileSync(shippedLabs().find((f) => f.endsWith("bridge-lab.yaml"))!, "utf8"));
    lab.isolated = true;
    lab.hostNs = "bridge-lab-host";
    const text = renderPlan(compile(lab, { stateDir: "/run/netlab/bridge-lab" }), "x");
    expect(text).toContain("netns add bridge-lab-host");
    expect(text).toContain("nsenter --net=/run/netns/bridge-lab-host ip -batch -");
    expect(text).not.toMatch(/^ip -batch -\n(?!netns)/m);
  });
});

describe("plan structure", () => {
  it("journals an undo for everything made outside the lab's own namespaces", () => {
    const lab = labFromText(readFileSync(shippedLabs().find((f) => f.endsWith("bridge-lab.yaml"))!, "utf8"));
    const plan = compile(lab, { stateDir: "/run/netlab/bridge-lab" });
    const steps = plan.phases.flatMap((p) => p.steps);
    const undo = (id: string) => steps.find((s) => s.id === id)!.undo;
    expect(undo("netns")[0]).toEqual({ op: "kill-ns", names: ["bridge-lab-web", "bridge-lab-api", "bridge-lab-db"] });
    expect(undo("host-links")).toEqual([{ op: "ip", ns: null, force: true, lines: ["link delete bridge-lab-br0"] }]);
    expect(undo("host-iptables")).toEqual([
      { op: "iptables-clean", ns: null, family: 4, lab: "bridge-lab" },
      // then the flows that led through the rules: to the published port, from the NATed subnet
      { op: "conntrack", ns: null, deletes: [["-p", "tcp", "--reply-src", "172.20.0.2", "--reply-port-src", "80"], ["-s", "172.20.0.0", "--mask-src", "255.255.255.0"]] },
    ]);
    expect(steps.find((s) => s.id === "host-sysctls")!.ops[0]).toMatchObject({ op: "sysctl", restore: true, values: { "net.ipv4.ip_forward": "1" } });
    expect(undo("etc-netns")).toHaveLength(3);
  });

  it("puts name files in filesDir, one directory per distinct pair, /etc/netns entries as symlinks, and removes both", () => {
    const lab = labFromText(readFileSync(shippedLabs().find((f) => f.endsWith("bridge-lab.yaml"))!, "utf8"));
    const step = compile(lab, { stateDir: "/run/netlab/bridge-lab", filesDir: "/dev/shm/netlab/bridge-lab" }).phases.flatMap((p) => p.steps).find((s) => s.id === "etc-netns")!;
    expect(step.ops.filter((o) => o.op === "write").map((o) => o.op === "write" && o.path)).toEqual(["/dev/shm/netlab/bridge-lab/shared/1/hosts", "/dev/shm/netlab/bridge-lab/shared/1/resolv.conf"]);
    expect(step.ops.filter((o) => o.op === "symlink")).toContainEqual({ op: "symlink", path: "/etc/netns/bridge-lab-api", target: "/dev/shm/netlab/bridge-lab/shared/1" });
    expect(step.undo).toContainEqual({ op: "rm", path: "/dev/shm/netlab/bridge-lab" });
    expect(step.undo).toContainEqual({ op: "rm", path: "/etc/netns/bridge-lab-db", link: "/dev/shm/netlab/bridge-lab/shared/1" });
  });

  it("makes a big lab's namespaces in two batches, each undoing its own", () => {
    const nodes = Array.from({ length: 200 }, (_, i) => `  n${i}: {}`).join("\n");
    const plan = compile(labFromText(`name: big\nnodes:\n${nodes}\n`), { stateDir: "/run/netlab/big" });
    const ns = plan.phases[0];
    expect(ns.concurrent).toBe(true);
    expect(ns.steps.map((s) => s.ops[0].op === "ip" && s.ops[0].lines.length)).toEqual([100, 100]);
    expect(ns.steps[1].undo[0]).toEqual({ op: "kill-ns", names: Array.from({ length: 100 }, (_, i) => `big-n${i + 100}`) });
  });

  it("writes a router's forwarding from the shell that becomes ip -batch; sysctl keys map to /proc/sys as sysctl(8) reads them", () => {
    const lab = labFromText("name: r\nnodes:\n  a: { forward: true }\n");
    const op = compile(lab, { stateDir: "/run/netlab/r" }).phases.flatMap((p) => p.steps).find((s) => s.id === "node:a")!.ops[0];
    expect(renderOp(op).split("\n")[0]).toBe("nsenter --net=/run/netns/r-a sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && exec ip -batch -' <<'EOF'");
    expect(procSys("net.ipv4.conf.eth0/100.rp_filter")).toBe("/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
  });

  it("takes a sysctl as set when the kernel prints it otherwise: fields apart by a tab, numbers without leading zeros", () => {
    expect(sameSysctl("20000\t30000", "20000 30000")).toBe(true);
    expect(sameSysctl("2", "02")).toBe(true);
    expect(sameSysctl("1", " 1")).toBe(true);
    expect(sameSysctl("-1", "-01")).toBe(true);
    expect(sameSysctl("", "")).toBe(true);
    expect(sameSysctl("bbr", "bbr")).toBe(true);
    expect(sameSysctl("20000\t30001", "20000 30000")).toBe(false);
    expect(sameSysctl("0", "1")).toBe(false);
    expect(sameSysctl("4096\t131072\t6291456", "4096 131072 6291456")).toBe(true);
    // As the kernel reads them (base 0): octal, hex.
    expect(sameSysctl("8", "010")).toBe(true);
    expect(sameSysctl("10", "010")).toBe(false);
    expect(sameSysctl("16", "0x10")).toBe(true);
    expect(sameSysctl("0", "0x0")).toBe(true);
    expect(sameSysctl("08", "8")).toBe(false);
  });

  it("sets the route_localnet of an interface with a dot in its name (e6.5) in its own /proc/sys directory", () => {
    const lab = labFromText('name: d\nnetworks: { lan: { subnet: 10.9.0.0/24 } }\nnodes:\n  a: { networks: { lan: { iface: "e6.5" } } }\n');
    const op = compile(lab, { stateDir: "/run/netlab/d" }).phases.flatMap((p) => p.steps).find((s) => s.id === "node:a")!.ops[0];
    expect(renderOp(op).split("\n")[0]).toContain("echo 1 > /proc/sys/net/ipv4/conf/e6.5/route_localnet");
  });
});

describe("iptables cleanup", () => {
  const save = `# Generated by iptables-save
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER-USER - [0:0]
:NL-lab-FWD - [0:0]
:NL-lab-b-FWD - [0:0]
-A FORWARD -m comment --comment netlab:lab -j NL-lab-FWD
-A FORWARD -m comment --comment netlab:lab-b -j NL-lab-b-FWD
-A FORWARD -j DOCKER-USER
-A NL-lab-FWD -i br -o br -m comment --comment "netlab:lab:network br0" -j ACCEPT
-A NL-lab-b-FWD -i x -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE
COMMIT
`;
  it("removes exactly this lab's jumps and chains, not a lab whose name it prefixes, nor anything else", () => {
    expect(cleanupScript(save, "lab")).toBe(
      "*filter\n-D FORWARD -m comment --comment netlab:lab -j NL-lab-FWD\n-F NL-lab-FWD\n-X NL-lab-FWD\nCOMMIT\n",
    );
    expect(cleanupScript(save, "other")).toBe("");
  });
});

describe("host firewall (review)", () => {
  it("forward: drop decides what is routed: no blanket accept between the lab's interfaces ahead of its DROP", async () => {
    const { renderPlan } = await import("../../src/runtime/ops/index.js");
    const lab = (fw: string) => labFromText(`name: fwh\nhost: { forward: true${fw} }\nnetworks:\n  lan: { subnet: 10.7.0.0/24 }\nnodes:\n  srv: { networks: [lan] }\n  ext: {}\nlinks:\n  - { endpoints: ["host:up0", "ext:eth0"], subnet: 198.18.7.0/24 }\n`);
    expect(renderPlan(compile(lab(""), { stateDir: "/run/netlab/fwh" }), "x")).toContain("NL-fwh-LABIF");
    const closed = renderPlan(compile(lab(', firewall: { forward: drop, allow: ["tcp/80"] }'), { stateDir: "/run/netlab/fwh" }), "x");
    expect(closed).not.toContain("NL-fwh-LABIF");
    expect(closed).toMatch(/-A NL-fwh-FWD -p tcp -m tcp --dport 80 .*-j ACCEPT[\s\S]*-A NL-fwh-FWD -m comment --comment "netlab:fwh:host firewall forward drop" -j DROP/);
  });
});

