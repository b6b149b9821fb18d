// What a lab that is up must still have, cheap to compare with the live system: its
// namespaces, its host-side interfaces (and their bridges), how many rules each of its
// iptables chains holds in the host namespace, the host sysctls it set. Recorded with the
// state at `up`, so that `status` reads no lab file and plans nothing.
import type { Lab } from "../lab/model.js";
import { hostObjects } from "./kinds/index.js";
import type { Plan } from "./ops.js";

export interface Facts {
  namespaces: string[];
  /** Interfaces in the lab's host namespace (the isolated host's own when isolated). */
  hostLinks: { name: string; master?: string; what: string }[];
  /** family → chain → rules: the lab's own chains, and its jumps in the built-in ones. */
  rules: Record<string, Record<string, number>>;
  /** Host sysctls the lab set (in a shared host namespace). */
  sysctls: Record<string, string>;
}

export function factsOf(lab: Lab, plan: Plan): Facts {
  const steps = plan.phases.flatMap((p) => p.steps);
  const namespaces = steps.filter((s) => s.id.startsWith("netns")).flatMap((s) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines.map((l) => l.slice("netns add ".length)) : [])));
  const hostLinks: Facts["hostLinks"] = hostObjects(lab);

  const rules: Facts["rules"] = {};
  for (const s of steps)
    for (const o of s.ops) {
      if (o.op !== "iptables" || o.ns !== lab.hostNs) continue;
      const counts = (rules[o.family] ??= {});
      for (const line of o.text.split("\n")) {
        const m = /^-[AI] (\S+)/.exec(line);
        if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
      }
    }
  const sysctls: Facts["sysctls"] = {};
  for (const s of steps) for (const o of s.ops) if (o.op === "sysctl" && o.restore) Object.assign(sysctls, o.values);
  return { namespaces, hostLinks, rules, sysctls };
}
