// The names a node knows: the one definition, used for its /etc/hosts and by the lab's DNS server.
import { dnsNetworks, namesOf, networkMembers, type Lab, type Node } from "./model.js";

/** Lines "address\tname alias…": every member of the node's dns networks (else itself), then its `hosts:`. Blocks per network are made once: a 1,000-node star shares one. */
function nameLines(lab: Lab, node: Node, blocks: Map<string, string>): string[] {
  const nets = dnsNetworks(lab, node);
  const lines: string[] = [];
  for (const net of nets) {
    if (!blocks.has(net)) blocks.set(net, networkMembers(lab, net).flatMap((m) => (namesOf(m.node, m.aliases).length ? m.addrs.map((a) => `${a}\t${namesOf(m.node, m.aliases).join(" ")}`) : [])).join("\n"));
    const block = blocks.get(net)!;
    if (block) lines.push(block);
  }
  const self = node.intfs.flatMap((i) => i.addrs)[0];
  if (!nets.length && self && namesOf(node.name).length) lines.push(`${self.split("/")[0]}\t${node.name}`);
  for (const [a, h] of node.extraHosts) lines.push(`${a}\t${h}`);
  return lines;
}

/**
 * /etc/hosts of a node. With `viaDns` (the node asks the lab's DNS server) it holds only its
 * `hosts:`: every lab name, its own included, comes from the server, so that `getent`, `dig` and
 * round robin agree — and nodes without `hosts:` share one file, as a 1,000-node star needs.
 */
export function hostsFile(lab: Lab, node: Node, blocks = new Map<string, string>(), viaDns = false): string {
  const head = [`# Written by netlab for lab ${lab.name}; removed by \`netlab down ${lab.name}\`.`, "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  const lines = viaDns
    ? node.extraHosts.map(([a, h]) => `${a}\t${h}`)
    : nameLines(lab, node, blocks);
  return [...head, ...lines].join("\n") + "\n";
}

/** Every name a node knows (address, name), one entry per name. */
export function hostsEntries(lab: Lab, node: Node): [string, string][] {
  return nameLines(lab, node, new Map())
    .join("\n")
    .split("\n")
    .filter(Boolean)
    .flatMap((l) => {
      const [addr, names] = l.split("\t");
      return names.split(" ").map((n) => [addr, n] as [string, string]);
    });
}
