// `netlab doctor` tells the truth: each kernel feature it reports is checked here against an
// independent attempt to make one (in a throwaway namespace), and each tool against the PATH.
import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB } from "./sandbox.js";

const tryIn = async (script: string) => (await run(["unshare", "--net", "sh", "-c", script])).code === 0;

describe.skipIf(!IS_ROOT)("netlab doctor", () => {
  it("reports netem, ipvlan, VLAN (and the rest) as this kernel really has them, and which shipped labs cannot run", async () => {
    const r = await run([NETLAB, "doctor", "--json"]);
    const report = JSON.parse(r.stdout);
    const kernel = Object.fromEntries(report.kernel.map((f: { name: string; ok: boolean }) => [f.name, f.ok]));
    const truth = {
      netem: await tryIn("tc qdisc add dev lo root netem delay 1ms"),
      tbf: await tryIn("tc qdisc add dev lo root tbf rate 1mbit burst 3200 latency 100ms"),
      ipvlan: await tryIn("ip link add p0 type veth peer name p1 && ip link add t0 link p0 type ipvlan mode l2"),
      vlan: await tryIn("ip link add p0 type veth peer name p1 && ip link add t0 link p0 type vlan id 5"),
      vxlan: await tryIn("ip link add t0 type vxlan id 1 dstport 4789"),
      macvlan: await tryIn("ip link add p0 type veth peer name p1 && ip link add t0 link p0 type macvlan mode bridge"),
      bridge: await tryIn("ip link add t0 type bridge"),
    };
    expect(kernel).toMatchObject(truth);
    console.warn(`doctor on this machine: ${Object.entries(truth).map(([k, v]) => `${k} ${v ? "yes" : "NO"}`).join(", ")}`);
    // The shipped labs that need what is missing are named, and the exit status says so.
    const ipvlanLab = report.labs.find((l: { lab: string }) => l.lab === "ipvlan");
    expect(ipvlanLab.ok).toBe(truth.ipvlan);
    if (!truth.ipvlan) expect(ipvlanLab.missing).toEqual(["ipvlan (module ipvlan)"]);
    expect(report.labs.find((l: { lab: string }) => l.lab === "vlan").ok).toBe(truth.vlan);
    expect(r.code).toBe(report.labs.every((l: { ok: boolean }) => l.ok) ? 0 : 1);
    const tcpdump = report.tools.find((t: { name: string }) => t.name === "tcpdump");
    expect(tcpdump.ok).toBe((await run(["sh", "-c", "command -v tcpdump"])).code === 0);
  });

  it("answers for the labs it is given: exit 0 when they can run here", async () => {
    const r = await run([NETLAB, "doctor", "bridge-lab", "slow-link"]);
    expect(r.stdout).toMatch(/LABS\n2 of 2 can run here\n/);
    expect(r.code).toBe(0);
    const text = await run([NETLAB, "doctor"], undefined, { ...process.env, NO_COLOR: "1" });
    expect(text.stdout).toMatch(/netem\s+(works|missing \(module sch_netem\))/);
  });

  it("without root: says so, and does not guess what the kernel has", async () => {
    const r = await run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", NETLAB, "doctor", "--json"]);
    const report = JSON.parse(r.stdout);
    expect(report.system[0]).toMatchObject({ name: "root", ok: false, fix: "run it with sudo" });
    expect(report.kernel.every((k: { ok: boolean | null; detail: string }) => k.ok === null && k.detail === "not probed: needs root")).toBe(true);
    expect(r.code).toBe(1);
  });
});
