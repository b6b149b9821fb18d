// Address translation changing under flows that already exist (issue 17): the kernel keeps a
// flow's NAT decision in its conntrack entry, so a UDP stream that began before a port was
// published would never be DNATed, and one DNATed into a lab would keep going to an address
// that is gone after `down`. Docker (portmapper) and kube-proxy delete such entries; so does netlab.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { IS_ROOT, labFiles, sandboxEach } from "./sandbox.js";

const files = labFiles("netlab-ct-");
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

// A client on the host's LAN, in a lab of its own, sending one UDP flow (fixed source port) to
// the host's port 5353 every 100 ms — before, while and after another lab publishes that port.
const CLIENT = `name: ctclient
nodes:
  client: { run: "while true; do echo ping | nc -u -w0 -p 40000 198.18.9.1 5353; sleep 0.1; done" }
links:
  - endpoints: ["host:lan", "client:eth0"]
    subnet: 198.18.9.0/24
`;
const SERVER = `name: ctserver
networks:
  n: { subnet: 10.88.0.0/24 }
nodes:
  srv: { networks: [n], publish: ["5353:53/udp"] }
`;

describe.skipIf(!IS_ROOT)("conntrack: flows that predate or outlive a translation", () => {
  const t = sandboxEach();
  /** Packets of the flow seen on `iface` of `where` (a node, or the host) within 1.5 s. */
  async function seen(where: { lab: string; node: string } | "host", iface: string): Promise<number> {
    const cmd = `timeout 1.5 tcpdump -ni ${iface} -c 3 'udp and src port 40000' 2>/dev/null | wc -l`;
    const r = where === "host" ? await t.sb.sh(cmd) : await t.sb.exec(where.lab, where.node, cmd);
    return Number(r.stdout.trim());
  }

  it("a UDP flow begun before the port was published reaches the node; after down, the host again", async () => {
    t.labs.add("ctclient");
    expect((await t.sb.netlab(["up", files.write("ctclient", CLIENT)])).code).toBe(0);
    expect(await seen("host", "lan")).toBeGreaterThan(0); // the flow exists: an UNREPLIED entry, no DNAT
    t.labs.add("ctserver");
    expect((await t.sb.netlab(["up", files.write("ctserver", SERVER)])).code).toBe(0);
    // Without forgetting the flow, every packet keeps its old (untranslated) decision: none reaches srv.
    expect(await seen({ lab: "ctserver", node: "srv" }, "eth0")).toBe(3);
    expect((await t.sb.netlab(["down", "ctserver"])).code).toBe(0);
    t.labs.delete("ctserver");
    // The DNATed entry is gone with the lab: the flow is the host's again (it answers port unreachable).
    // The kernel sends a destination at most one unreachable a second (icmp_ratelimit), less the
    // faster ctserver came and went (its tokens refill only while it is up): two take up to ~2 s.
    const back = await t.sb.sh("timeout 3 tcpdump -ni lan -c 2 'icmp and dst host 198.18.9.2' 2>/dev/null | wc -l");
    expect(Number(back.stdout.trim())).toBe(2);
    expect((await t.sb.netlab(["down", "ctclient"])).code).toBe(0);
    t.labs.delete("ctclient");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });
});
