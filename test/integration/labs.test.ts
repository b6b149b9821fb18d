// Every shipped lab, for real: up inside a sandbox namespace, reachability and
// isolation proven with ping/curl/nc/getent through `netlab exec`, a second `up`
// that changes nothing, then `down` — and nothing left behind.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { dnsServerOf } from "../../src/dns/servers.js";
import { hostsEntries } from "../../src/lab/hosts.js";
import { kernelLab } from "../../src/net/names.js";
import type { Lab } from "../../src/lab/model.js";
import { eventually, IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

type Probe = [node: string, cmd: string, expectOk: boolean, contains?: string];

const ok = (node: string, cmd: string, contains?: string): Probe => [node, cmd, true, contains];
const fails = (node: string, cmd: string): Probe => [node, cmd, false];
const ping = (target: string) => `ping -c1 -W1 ${target}`;
const curl = (url: string) => `curl -sS -m 2 ${url}`;
const tcp = (host: string, port: number) => `nc -z -w 1 ${host} ${port}`;

const LABS: { ref: string; name: string; probes: Probe[]; wait?: number }[] = [
  {
    ref: "veth-pair",
    name: "veth-pair",
    probes: [ok("red", ping("10.100.0.1")), ok("host", ping("10.100.0.2")), fails("red", tcp("10.100.0.1", 9)), ok("red", "ip route", "default via 10.100.0.1")],
  },
  {
    ref: "bridge-lab",
    name: "bridge-lab",
    probes: [
      ok("web", ping("api"), "172.20.0.20"),
      ok("api", curl("http://web/"), "you are 172.20.0.20"),
      ok("db", ping("172.20.0.1")),
      ok("host", curl("http://172.20.0.2/"), "hello from web"),
      fails("db", tcp("web", 22)),
      ok("db", "ip route", "default via 172.20.0.1 dev eth0"),
      ok("host", "sysctl -n net.ipv4.ip_forward", "1"),
    ],
  },
  {
    ref: "router-lab",
    name: "router-lab",
    probes: [
      ok("red", ping("10.0.2.2")),
      ok("green", ping("10.0.1.1")),
      ok("red", curl("http://10.0.2.2/"), "you are 10.0.1.1"),
      fails("red", ping("10.0.3.1")),
      ok("blue", "sysctl -n net.ipv4.ip_forward", "1"),
    ],
  },
  {
    ref: "three-networks",
    name: "three-networks",
    probes: [
      ok("web", curl("http://api:8080/"), "hello from api"),
      ok("worker", curl("http://api:8080/"), "you are 10.10.2.20"),
      ok("worker", tcp("db", 5432)),
      fails("web", ping("10.10.2.20")), // isolated by the host
      fails("api", tcp("10.10.3.30", 5432)), // data is internal
      fails("web", "getent hosts worker"), // no shared network, no name
      ok("api", "getent hosts worker", "10.10.2.20"),
    ],
  },
  {
    ref: "policy-routing",
    name: "policy-routing",
    probes: [
      ok("alice", curl("http://198.51.100.1/"), "hello from isp-a"),
      ok("bob", curl("http://198.51.100.1/"), "hello from isp-b"),
      ok("gw", "ip rule", "from 10.2.0.0/24 lookup 100"),
    ],
  },
  {
    ref: "namespace-firewall",
    name: "namespace-firewall",
    probes: [
      ok("client", tcp("web", 80)),
      ok("admin", tcp("web", 22)),
      fails("client", tcp("web", 22)),
      fails("client", ping("web")),
      ok("web", ping("client")),
      ok("web", "iptables -S INPUT", "-P INPUT DROP"),
    ],
  },
  {
    ref: "dual-stack",
    name: "dual-stack",
    probes: [
      ok("b", "ping -6 -c1 -W1 fd00:60:1::2"),
      ok("b", "curl -sS -m 2 'http://[fd00:60:1::2]/'", "you are fd00:60:1::3"),
      ok("a", "ip -6 route", "default via fd00:60:1::1 dev eth0"),
      fails("c", "ping -6 -c1 -W1 fd00:60:1::2"),
      // …and it is our ip6tables rule that dropped it, not an accident of routing.
      ok("host", "ip6tables -L NL-dual-stack-FWD -v -n -x | awk '/DROP/ && $1 > 0' | grep -c DROP"),
    ],
  },
  {
    ref: "port-publish",
    name: "port-publish",
    probes: [
      ok("host", curl("http://127.0.0.1:8080/"), "hello from web"),
      ok("outside", curl("http://198.18.5.1:8080/"), "you are 198.18.5.2"),
      ok("client", curl("http://172.30.0.1:8080/"), "hello from web"),
      fails("outside", curl("http://198.18.5.1:9090/")),
    ],
  },
  {
    ref: "nat-internet",
    name: "nat-internet",
    probes: [ok("app", curl("http://203.0.113.2/"), "you are 203.0.113.1"), fails("internet", ping("172.31.0.2"))],
  },
  {
    ref: "dns-bridges",
    name: "dns-bridges",
    probes: [fails("a", "getent hosts b"), ok("a", ping("172.27.0.3")), ok("c", "getent hosts d", "172.28.0.3"), fails("a", ping("172.28.0.2"))],
  },
  {
    ref: "custom-network",
    name: "custom-network",
    probes: [ok("web", curl("http://api:8080/health"), "hello from api"), ok("api", tcp("db", 5432)), ok("web", "ip route", "default via 172.20.0.1")],
  },
  {
    ref: "bridge-in-namespace",
    name: "bridge-in-namespace",
    probes: [ok("a", ping("b")), ok("a", curl("http://c/"), "hello from c"), ok("b", ping("10.50.0.1")), fails("host", ping("10.50.0.2"))],
  },
  {
    ref: "dns-debug",
    name: "dns-debug",
    probes: [
      ok("client", "cat /etc/resolv.conf", "nameserver 127.0.0.11"),
      ok("client", "dig +short web-1", "172.25.1.3"),
      ok("client", "nslookup web-2", "Address: 172.25.1.4"),
      ok("client", "dig +tcp +short web-2", "172.25.1.4"),
      ok("client", "dig +short -x 172.25.1.3", "web-1.frontend."),   // Docker answers NAME.NETWORK
      ok("client", "dig +short web-1.frontend", "172.25.1.3"),       // and resolves it
      fails("client", "dig +short web-1.backend | grep -q ."),     // only on networks the asker is on
      ok("client", "dig +short web | wc -l", "2"),
      fails("client", "dig db | grep -q NOERROR"),
      ok("web-1", "dig +short db", "172.25.2.4"),
    ],
  },
  {
    ref: "host-gw",
    name: "host-gw",
    probes: [ok("vm2", "ip route", "10.244.1.0/24 via 192.168.56.11 dev eth0"), ok("a", ping("10.244.2.2")), ok("b", curl("http://10.244.1.2/"), "you are 10.244.2.2"), fails("a", "getent hosts b")],
  },
  {
    ref: "k8s-host-gw",
    name: "k8s-host-gw",
    probes: [
      ok("node1", "ip route", "10.244.2.0/24 via 192.168.56.12 dev eth0"),
      ok("node1", "ip -o addr show dev cni0", "10.244.1.1/24"),
      ok("web-0", "ip route", "default via 10.244.1.1 dev eth0"),
      ok("web-1", curl("http://10.244.1.3/"), "you are 10.244.2.2"),
      ok("web-0", curl("http://192.168.56.100/"), "you are 192.168.56.11"),
      ok("node1", "iptables-save -t nat", "-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4"),
    ],
  },
  {
    ref: "k8s-dns",
    name: "k8s-dns",
    probes: [
      ok("shop/client", "cat /etc/resolv.conf", "search shop.svc.cluster.local svc.cluster.local cluster.local"),
      ok("shop/client", "dig +short +search web-peers.default | sort | tr '\\n' ' '", "10.244.1.3 10.244.1.4 10.244.2.2"),
      ok("shop/client", "dig +short SRV _http._tcp.web-peers.default.svc.cluster.local | sort | head -1", "0 33 80 10-244-1-3.web-peers.default.svc.cluster.local."),
      ok("web-1", "nslookup web", "Address: 10.96.0.11"),
      // ndots:5: an outside name with fewer dots walks the search path first; the server logs each try.
      ok("shop/client", "getent hosts db.example.com", "192.168.56.200"),
      ok("host", `${NETLAB} logs k8s-dns dns | grep 'shop/client A db.example.com.shop.svc.cluster.local -> '`, "NXDOMAIN"),
      ok("host", `${NETLAB} logs k8s-dns dns | grep 'shop/client A db.example.com -> '`, "192.168.56.200"),
      ok("node2", "iptables-save -t nat", '-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "kube-system/kube-dns:dns cluster IP" -j KUBE-SVC-TCOU7JCQXEZGVUNU'),
      ok("host", `${NETLAB} get k8s-dns pods -n kube-system`, "coredns-0"),
      fails("shop/client", "dig +short +search +tries=1 +time=1 nosuch.default.svc.cluster.local | grep ."),
    ],
  },
  {
    ref: "k8s-flannel",
    name: "k8s-flannel",
    probes: [
      ok("node1", "ip -d link show flannel.1", "vxlan id 1 local 192.168.56.11 dev eth0 srcport 0 0 dstport 8472 nolearning"),
      ok("node1", "ip route show dev flannel.1", "10.244.3.0/24 via 10.244.3.0 onlink"),
      ok("node1", "ip -o addr show dev flannel.1", "10.244.1.0/32"),
      ok("node2", "ip neigh show dev flannel.1", "10.244.1.0 lladdr"),
      ok("node2", "bridge fdb show dev flannel.1", "dst 192.168.56.11 self permanent"),
      ok("web-1", "ip link show eth0", "mtu 1450"),
      ok("web-1", ping("10.244.3.2")), // web-2 on node3
      ok("web-0", "ping -c1 -W1 -M do -s 1422 10.244.2.2"), // 1422 + 28 = 1450 fits the overlay
      fails("node2", "ip route | grep '^10.244.*via 192.168.56'"), // no host-gw routes: the overlay carries it all
    ],
  },
  {
    ref: "k8s-affinity",
    name: "k8s-affinity",
    probes: [
      ok("node2", "iptables-save -t nat", "--rcheck --seconds 60 --reap --name KUBE-SEP-"),
      ok("client-b", 'for i in 1 2 3 4 5 6 7 8; do curl -s -m 2 http://web-sticky/ | head -1; done | sort -u | wc -l', "1"),
    ],
  },
  {
    ref: "k8s-tutorial",
    name: "k8s-tutorial",
    probes: [
      ok("host", curl("http://192.168.56.241/"), "hello from nginx-deployment-"),
      ok("host", `${NETLAB} get k8s-tutorial svc | grep -E '^nginx-service +LoadBalancer +10\\.96\\.0\\.11 +192\\.168\\.56\\.241 +80:30000/TCP'`, "nginx-service"),
      ok("node1", "iptables-save -t nat", '-A KUBE-SERVICES -d 192.168.56.241/32 -p tcp -m tcp --dport 80 -m comment --comment "default/nginx-service loadbalancer IP" -j KUBE-EXT-'),
      ok("nginx-deployment-0", "nslookup nginx-service", "Address: 10.96.0.11"),
    ],
  },
  {
    ref: "k8s-netpol-deny",
    name: "k8s-netpol-deny",
    probes: [
      ok("node1", "iptables-save -t filter", "-j KUBE-ROUTER-FORWARD"),
      ok("node1", "iptables-save -t filter", '-m comment --comment "rule to REJECT traffic destined for POD name:frontend-0 namespace: default" -j REJECT'),
      ok("node2", "ipset list -n", "KUBE-DST-"),
      fails("intruder", "nc -z -w 1 10.244.1.3 80"), // frontend-0, straight to the pod: isolated both ways
      ok("frontend-0", "curl -sS -m 2 http://backend:8080/", "hello from backend-"),
      ok("host", `${NETLAB} test k8s-netpol-deny --matrix`, "every cell is what the NetworkPolicies say"),
      ok("host", `${NETLAB} test k8s-netpol-deny --matrix 8080`, "cells (from the row's pod to the column's): . connects, X denied, - nothing serves that port\nevery cell"),
      ok("host", `${NETLAB} explain k8s-netpol-deny intruder backend-0 --probe`, "denied: the client's egress isolation"),
      ok("host", `${NETLAB} explain k8s-netpol-deny frontend-0 svc/backend`, "→ service default/backend 10.96.0.11:8080/TCP"), // svc/NAME, no port: a name, not a protocol
    ],
  },
  {
    ref: "k8s-netpol-namespaces",
    name: "k8s-netpol-namespaces",
    probes: [
      ok("node1", "ipset list", "169.254.169.254 nomatch"), // the except, in the ipBlock's hash:net set
      ok("node2", "ipset list", "128.0.0.0/1"), // 0.0.0.0/0 as two halves: hash:net holds no /0
      fails("dev/debug", curl("http://10.244.2.2/")), // shop/api straight, without its Service
      ok("monitoring/prometheus", curl("http://10.244.2.2/"), "hello from shop/api"),
      ok("host", `${NETLAB} explain k8s-netpol-namespaces shop/web 169.254.169.254:80 --probe`, "shop/block-metadata, egress rule 1, takes its ipBlock's except 169.254.169.254/32 out"),
      ok("host", `${NETLAB} explain k8s-netpol-namespaces monitoring/prometheus svc/shop/api:80`, "shop/api (10.244.2.2):80: allowed (ingress: shop/allow-ops rule 1)"),
      ok("host", `${NETLAB} explain k8s-netpol-namespaces dev/debug shop/api:80`, "shop/api (10.244.2.2) port 80/TCP"), // the pod: TO names a pod first
      ok("host", `${NETLAB} explain k8s-netpol-namespaces shop/web svc/api`, "→ service shop/api "), // a bare name in the client's namespace, as its DNS search finds it
      ok("host", `${NETLAB} explain k8s-netpol-namespaces internet shop/web`, "egress: internet is a machine of the lab outside the cluster, not a pod"),
      ok("host", `${NETLAB} explain k8s-netpol-namespaces node1 shop/web`, "egress: node1 is a cluster node, not a pod"),
    ],
  },
  {
    ref: "k8s-service",
    name: "k8s-service",
    probes: [
      ok("client", curl("http://10.96.0.11/"), "hello from web-"),
      ok("client", curl("http://web-service/"), "hello from web-"), // the cluster DNS, through the search path
      ok("outside", curl("http://192.168.56.12:30080/"), "hello from web-"),
      ok("node2", "iptables-save -t nat", '-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web-service cluster IP" -j KUBE-SVC-'),
      ok("node1", "iptables-save -t nat", "-m statistic --mode random --probability 0.33333333349"),
      ok("web-0", curl("http://10.96.0.11/"), "hello from web-"), // through the Service to a pod on its own node too (br_netfilter)
      // A pod DNATed to itself through its Service (hairpin on its cni0 port) answers itself: about
      // 1 request in 3. Without hairpin it never does (the SYN is dropped; the retry picks anew).
      ok("web-0", 'n=$(for i in $(seq 20); do curl -s -m 3 http://10.96.0.11/ | head -1; done | grep -c "^hello from web-0$"); [ "$n" -gt 0 ] && echo "answered by itself"', "answered by itself"),
      fails("client", tcp("10.96.0.12", 80)),
      ok("host", `${NETLAB} get k8s-service pods -o wide | grep -E '^web-0 +1/1 +Running +0 +\\S+ +10\\.244\\.1\\.3 +node1$'`, "web-0"),
      ok("host", `${NETLAB} get k8s-service svc | grep -E '^web-service +NodePort +10\\.96\\.0\\.11 +<none> +80:30080/TCP'`, "web-service"),
    ],
  },
  {
    ref: "docker-overlay",
    name: "docker-overlay",
    probes: [
      ok("client", ping("web1")),
      ok("client", curl("http://web2/"), "hello from web2"),
      ok("vm1", "ip -d link show vx-overlay", "vxlan id 4096"),
      ok("vm1", "bridge fdb show dev vx-overlay", "00:00:00:00:00:00 dst 192.168.56.13"),
      fails("client", ping("192.168.56.11")),
    ],
  },
  {
    ref: "macvlan",
    name: "macvlan",
    probes: [ok("vm2", curl("http://192.168.56.101/"), "hello from c1"), fails("vm2", ping("192.168.56.102")), ok("c1", "ip -d link show eth0", "macvlan mode bridge"), ok("vm1", curl("http://192.168.56.101/"), "you are 192.168.56.201")],
  },
  {
    ref: "bgp-routes",
    name: "bgp-routes",
    wait: 15_000, // BGP sessions take a few seconds
    probes: [ok("vm1", "ip route | grep '10.244.2.0/24 via 192.168.56.12 dev eth0 proto bird'"), ok("c", curl("http://10.244.1.2/"), "you are 10.244.3.2"), ok("vm3", "pgrep -x bird")],
  },
];

describe.skipIf(!IS_ROOT)("shipped labs, for real", () => {
  let sb: Sandbox;
  let before: Snapshot;
  beforeEach(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
  });
  afterEach(async () => {
    // Whatever a failed test left up goes before its host namespace does.
    // One `down --all` rather than one process per lab name: most of the time nothing is up.
    await sb.netlab(["down", "--all"]);
    await sb.destroy();
  });

  for (const lab of LABS) {
    it(`${lab.ref}: up, reachable as designed, idempotent, down without leftovers`, async () => {
      const up = await sb.netlab(["up", lab.ref]);
      expect(up.stderr + up.stdout).toContain(`${lab.name} is up`);
      expect(up.code).toBe(0);
      expect((await run(["ip", "netns", "list"])).stdout).toContain(`${kernelLab(lab.name)}-`); // a name past 19 characters is shortened

      // Probes are independent: they run at once (a probe that must fail costs its whole timeout).
      const probe = async ([node, cmd, want, contains]: Probe) => {
        // Services started with `run` need a moment to listen; a probe that must fail is tried once.
        let r = await sb.exec(lab.name, node, cmd);
        if (want && r.code !== 0) await eventually(async () => (r = await sb.exec(lab.name, node, cmd)).code === 0, lab.wait ?? 3000);
        return { node, cmd, ok: r.code === 0, want, out: r.code === 0 ? "" : r.stderr, has: contains ? r.stdout.includes(contains) : true };
      };
      for (const r of await Promise.all(lab.probes.map(probe))) expect(r).toMatchObject({ ok: r.want, has: true });

      // The lab's own checks: what it teaches, isolation included.
      const t = await sb.netlab(["test", lab.ref, "--json"]);
      const report = JSON.parse(t.stdout) as { passed: number; failed: number; results: { ok: boolean; from: string; target: string; detail: string }[] };
      expect(report.results.filter((x) => !x.ok)).toEqual([]);
      expect(report.passed).toBeGreaterThanOrEqual(3);
      expect(t.code).toBe(0);

      // Names: what dig and nslookup get from the lab's DNS server is what getent says, for every
      // name the first node that asks the server knows.
      const st = JSON.parse((await run(["cat", `/run/netlab/${lab.name}/lab.json`])).stdout) as { lab: Lab };
      const asker = st.lab.nodes.find((n) => dnsServerOf(st.lab, n));
      if (asker) {
        const names = [...new Set(hostsEntries(st.lab, asker).map(([, n]) => n))];
        const script = names.map((n) => `echo "@@ ${n}"; getent ahostsv4 ${n} | awk '$2=="STREAM"{print $1}' | sort -u | tr '\\n' ' '; echo; dig +short +tries=1 -t A -q ${n} | sort -u | tr '\\n' ' '; echo; nslookup ${n} >/dev/null && echo ns-ok`).join("\n");
        const out = (await sb.exec(lab.name, asker.name, script)).stdout.split("@@ ").slice(1);
        for (const block of out) {
          const [name, getent, dig, ns] = block.split("\n");
          expect({ name, dig: dig.trim(), ns }).toEqual({ name, dig: getent.trim(), ns: "ns-ok" });
        }
        expect(out.length).toBe(names.length);
      }

      // moby-style golden dumps of what the lab adds to the host's rules (comments and counters aside).
      const dump = async (tool: string) => (await sb.sh(tool)).stdout.split("\n").filter((l) => !l.startsWith("#")).map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]")).join("\n");
      await expect(`# iptables-save\n${await dump("iptables-save")}\n# ip6tables-save\n${await dump("ip6tables-save")}`).toMatchFileSnapshot(`../golden/iptables/${lab.ref}.txt`);

      const mid = await sb.snapshot();
      const again = await sb.netlab(["up", lab.ref]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("already up and unchanged");
      expect(await sb.snapshot()).toEqual(mid);

      const down = await sb.netlab(["down", lab.ref]);
      expect(down.code).toBe(0);
      expect(await sb.snapshot()).toEqual(before);

      const downAgain = await sb.netlab(["down", lab.name]);
      expect(downAgain.code).toBe(0);
      expect(downAgain.stdout).toContain("not up");
    });
  }

  it("k8s-flannel: between the nodes the pods' traffic is VXLAN, UDP 8472 VNI 1 on eth0, inner addresses the pods' own", async () => {
    expect((await sb.netlab(["up", "k8s-flannel"])).code).toBe(0);
    const capture = run(["ip", "netns", "exec", "k8s-flannel-node2", "timeout", "8", "tcpdump", "-c", "2", "-nli", "eth0", "udp port 8472 and host 192.168.56.11"]);
    await new Promise((r) => setTimeout(r, 700));
    await sb.exec("k8s-flannel", "web-0", "ping -c3 -i 0.2 -W1 10.244.2.2");
    const seen = (await capture).stdout;
    // tcpdump calls UDP 8472 OTV; the header is VXLAN's (flags I, instance = the VNI).
    expect(seen).toMatch(/192\.168\.56\.11\.\d+ > 192\.168\.56\.12\.8472: OTV, flags \[I\] \(0x08\), overlay 0, instance 1\nIP 10\.244\.1\.3 > 10\.244\.2\.2: ICMP echo request/);
    expect((await sb.netlab(["down", "k8s-flannel"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("k8s-netpol-deny: a policy deleted while up takes what it allowed with it, at once", async () => {
    expect((await sb.netlab(["up", "k8s-netpol-deny"])).code).toBe(0);
    const dig = () => sb.exec("k8s-netpol-deny", "intruder", "dig +short +tries=1 +time=1 backend.default.svc.cluster.local");
    expect((await dig()).stdout.trim()).toBe("10.96.0.11");
    const d = await sb.netlab(["delete", "k8s-netpol-deny", "networkpolicy", "allow-dns"]);
    expect([d.code, d.stdout]).toEqual([0, 'networkpolicy.networking.k8s.io "allow-dns" deleted\n']);
    expect((await dig()).stdout).toMatch(/timed out|no servers could be reached|connection refused/); // default-deny-all's egress: DNS too
    // The checks say why: the names no longer resolve (not that the backends stopped answering), the DNS server is refused.
    const t = (await sb.netlab(["test", "k8s-netpol-deny"])).stdout;
    expect(t).toContain("FAIL no answer 10 (name does not resolve); never answered: backend-0, backend-1");
    expect(t).toContain("FAIL refused: no DNS server listens there, or a rule rejects the query");
    expect((await sb.netlab(["down", "k8s-netpol-deny"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("docker-overlay: between the hosts the containers' traffic is VXLAN, UDP 4789 on eth0", async () => {
    expect((await sb.netlab(["up", "docker-overlay"])).code).toBe(0);
    // From vm3 (client's host) only: vm2's own containers send VXLAN too (IGMP reports as they come up).
    const capture = run(["ip", "netns", "exec", "docker-overlay-vm2", "timeout", "8", "tcpdump", "-c", "2", "-nli", "eth0", "udp port 4789 and src host 192.168.56.13"]);
    await new Promise((r) => setTimeout(r, 700));
    await sb.exec("docker-overlay", "client", "ping -c3 -i 0.2 -W1 web2");
    const seen = await capture;
    expect(seen.stdout).toMatch(/192\.168\.56\.13\.\d+ > 192\.168\.56\.12\.4789: VXLAN, flags \[I\] \(0x08\), vni 4096/);
    expect((await sb.netlab(["down", "docker-overlay"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  // Kinds this machine's kernel may lack: run for real where it has them; where it does not,
  // `up` must refuse before touching anything, naming the module — and the test says so.
  for (const [ref, kind, module] of [["ipvlan", "ipvlan", "ipvlan"], ["vlan", "vlan", "8021q"]] as const) {
    it(`${ref}: comes up and passes its checks where the kernel has ${module}, refused naming it where not`, async () => {
      const { missing } = await import("../../src/runtime/kernel.js");
      const lacks = (await missing([kind])).length > 0;
      const up = await sb.netlab(["up", ref]);
      if (lacks) {
        console.warn(`${ref}: NOT RUN for real — this kernel has no ${module}; checked instead that up refuses before touching anything`);
        expect(up.code).toBe(3);
        expect(up.stderr).toContain(`cannot make ${kind} devices (module ${module})`);
        expect(await sb.snapshot()).toEqual(before);
        return;
      }
      expect(up.code).toBe(0);
      const t = await sb.netlab(["test", ref]);
      expect(t.stdout).toMatch(/ 0 failed/);
      expect((await sb.netlab(["down", ref])).code).toBe(0);
      expect(await sb.snapshot()).toEqual(before);
    });
  }

  it("bridge-lab masquerades traffic that leaves through another interface (docker0 NAT)", async () => {
    // An "outside" namespace wired to the sandbox plays the rest of the world.
    const out = `${sb.name}-out`;
    await run(["ip", "netns", "add", out]);
    try {
      await sb.sh(`ip link add uplink type veth peer name eth0 netns ${out} && ip addr add 198.18.0.1/24 dev uplink && ip link set uplink up`);
      await run(["ip", "-n", out, "addr", "add", "198.18.0.2/24", "dev", "eth0"]);
      await run(["ip", "-n", out, "link", "set", "eth0", "up"]);
      const before2 = await sb.snapshot();
      expect((await sb.netlab(["up", "bridge-lab"])).code).toBe(0);
      const srv = await run(["sh", "-c", `ip netns exec ${out} ${process.execPath} ${import.meta.dirname}/../../bin/netlab serve http --port 8000 --name outside >/dev/null 2>&1 & echo $!`]);
      try {
        let r = await sb.exec("bridge-lab", "web", curl("http://198.18.0.2:8000/"));
        await eventually(async () => (r = await sb.exec("bridge-lab", "web", curl("http://198.18.0.2:8000/"))).code === 0);
        expect(r.stdout).toContain("hello from outside");
        expect(r.stdout).toContain("you are 198.18.0.1:"); // the sandbox's address, not 172.20.0.2
      } finally {
        process.kill(Number(srv.stdout.trim()), "SIGTERM");
      }
      expect((await sb.netlab(["down", "bridge-lab"])).code).toBe(0);
      expect(await sb.snapshot()).toEqual(before2);
    } finally {
      await run(["ip", "netns", "delete", out]);
    }
  });
});
