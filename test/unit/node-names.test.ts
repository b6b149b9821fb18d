// Node names that carry a namespace, `NS/POD`, as the contract's Kubernetes section names pods
// (issue 20, item 3): accepted wherever a node name is, flattened to `NS.POD` in kernel names and
// paths, and not a DNS name (a pod is found through its Services and aliases).
import { describe, expect, it } from "vitest";
import { labFromText } from "../../src/lab/load.js";
import { hostsEntries } from "../../src/lab/hosts.js";
import { Views } from "../../src/dns/view.js";
import { compile } from "../../src/plan/compile.js";
import { flatName, kernelName, nsName } from "../../src/net/names.js";
import { problems } from "./helpers.js";

const LAB = `name: k
networks:
  lan: { subnet: 10.9.0.0/24 }
nodes:
  web: { networks: [lan] }
  team-a/web: { networks: { lan: { aliases: [web-a] } }, run: "netlab serve http --port 80" }
checks:
  - { from: web, tcp: "team-a/web:80" }
`;

describe("namespaced node names", () => {
  it("are nodes of their own, with namespaces, interfaces and logs named NS.POD", () => {
    const lab = labFromText(LAB, "lab.yaml");
    const pod = lab.nodes.find((n) => n.name === "team-a/web")!;
    expect(pod.ns).toBe("k-team-a.web");
    expect(nsName("k", "team-a/web")).not.toBe(nsName("k", "web"));
    expect(flatName("a/b")).toBe("a.b");
    expect(kernelName("k", "team-a/web", "eth0").name).not.toContain("/");
    const plan = compile(lab, { stateDir: "/run/netlab/k" });
    const spawn = plan.phases.flatMap((p) => p.steps).flatMap((s) => s.ops).find((o) => o.op === "spawn" && o.who === "team-a/web") as { log: string } | undefined;
    expect(spawn?.log).toBe("/run/netlab/k/logs/team-a.web-0.log");
    expect(JSON.stringify(plan.phases.flatMap((p) => p.steps).flatMap((s) => s.ops.filter((o) => o.op === "ip-batch")))).not.toMatch(/ k-team-a\/web/);
  });

  it("answer to their aliases only: NS/POD is not a DNS name", () => {
    const lab = labFromText(LAB, "lab.yaml");
    const web = lab.nodes.find((n) => n.name === "web")!;
    expect(hostsEntries(lab, web).map(([, n]) => n).sort()).toEqual(["web", "web-a"]);
    const views = new Views(lab);
    expect(views.lookup(web, "web-a", 4)).toEqual(["10.9.0.3"]);
    expect(views.knows(web, "team-a/web")).toBe(false);
    expect(views.reverse(web, "10.9.0.3")).toBe("web-a.lan"); // PTR: its alias stands for it
  });

  it("one namespace at most, each part a node name", () => {
    for (const bad of ["a/b/c", "/b", "a/", "A/b", "a//b"]) expect(problems(`name: k\nnodes:\n  "${bad}": {}\n`).join("\n"), bad).toMatch(/node names use a-z/);
    expect(labFromText("name: k\nnodes:\n  kube-system/core_dns-1: {}\n").nodes[0].ns).toBe("k-kube-system.core_dns-1");
    expect(problems(LAB + "  - { from: web, dns: team-a/web }\n").join("\n")).toMatch(/checks\[1\]\.dns: "team-a\/web" is not a DNS name/);
    expect(problems(`name: k\nnodes:\n  ${"a".repeat(32)}/${"b".repeat(33)}: {}\n`).join("\n")).toMatch(/at most 32 characters/);
  });
});
