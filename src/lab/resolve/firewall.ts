// `firewall:` on a node or on `host`.
import type { KeyPath } from "../../errors.js";
import { parsePrefix } from "../../net/ip.js";
import type { Node } from "../model.js";
import type { RawNode } from "../schema.js";
import { Problems } from "./context.js";
import { unsafeLine } from "./util.js";

export function resolveFirewall(P: Problems, f: NonNullable<RawNode["firewall"]>, path: KeyPath): Node["firewall"] {
  const allow: NonNullable<Node["firewall"]>["allow"] = [];
  const closed = (["input", "forward"] as const).filter((c) => f[c] === "drop");
  (f.allow ?? []).forEach((spec, i) => {
    const m = /^(?:(input|forward)\s+)?(?:(tcp|udp)\/(\d{1,5}(?::\d{1,5})?)|(icmp))(?:\s+from\s+(\S+))?$/.exec(spec.trim());
    if (!m) {
      P.add([...path, "allow", i], `"${spec}" is not an allow entry`, 'write entries like "tcp/80", "udp/53", "icmp", "tcp/22 from 10.0.1.0/24", "forward tcp/80"');
      return;
    }
    // An allow opens a chain the policy closes; one that opens nothing is a rule that seems to work and does not.
    const [, chainWord, l4, port, icmp, from] = m;
    const named = chainWord as "input" | "forward" | undefined;
    if (named && f[named] !== "drop") {
      P.add([...path, "allow", i], `"${spec}" opens ${named}, but ${named}'s policy is accept: it changes nothing`, `set ${named}: drop, or drop the word ${named}`);
      return;
    }
    if (!named && !closed.length) {
      P.add([...path, "allow", i], `"${spec}" opens nothing: no policy of this firewall is drop`, "allow entries make exceptions to input: drop or forward: drop");
      return;
    }
    const chains = (named ? [named] : closed).map((c) => (c === "input" ? "INPUT" : "FORWARD") as "INPUT" | "FORWARD");

    if (from && !parsePrefix(from.includes("/") ? from : `${from}/${from.includes(":") ? 128 : 32}`, false)) {
      P.add([...path, "allow", i], `"${from}" is not an address or prefix`, "e.g. from 10.0.1.0/24");
      return;
    }
    allow.push({ proto: (l4 ?? icmp) as "tcp" | "udp" | "icmp", port, from, spec, chains });
  });
  const rules: NonNullable<Node["firewall"]>["rules"] = [];
  (f.rules ?? []).forEach((rule, i) => {
    const m = /^(?:-t\s+(filter|nat|mangle|raw)\s+)?(-[AI]\s+\S+.*)$/.exec(rule.trim());
    if (!m || unsafeLine(rule)) {
      P.add([...path, "rules", i], `"${rule}" is not an iptables rule spec`, 'write it like "-A INPUT -p tcp --dport 8080 -j ACCEPT" or "-t nat -A POSTROUTING -o eth1 -j MASQUERADE"');
      return;
    }
    rules.push({ table: m[1] ?? "filter", rule: m[2] });
  });
  return { input: f.input ?? "accept", forward: f.forward ?? "accept", output: f.output ?? "accept", allow, rules };
}
