// What a node's /etc/hosts says: the one definition, used for the file netlab writes and for
// anything that asks whether a node knows a name.
import { dnsNetworks, networkMembers, type Lab, type Node } from "./model.js";

/** /etc/hosts of a node: itself and every member of its dns networks, then its `hosts:`. Blocks per network are made once: a 1,000-node star shares one. */
export function hostsFile(lab: Lab, node: Node, blocks = new Map<string, string>()): string {
  const nets = dnsNetworks(lab, node);
  const lines = [
    `# Written by netlab for lab ${lab.name}; removed by \`netlab down ${lab.name}\`.`,
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
  ];
  for (const net of nets) {
    if (!blocks.has(net)) blocks.set(net, networkMembers(lab, net).flatMap((m) => m.addrs.map((a) => `${a}\t${m.node}`)).join("\n"));
    lines.push(blocks.get(net)!);
  }
  const self = node.intfs.flatMap((i) => i.addrs)[0];
  if (!nets.length && self) lines.push(`${self.split("/")[0]}\t${node.name}`);
  for (const [a, h] of node.extraHosts) lines.push(`${a}\t${h}`);
  return lines.join("\n") + "\n";
}

/** The lab's entries of a node's /etc/hosts (address, name), as hostsFile writes them. */
export function hostsEntries(lab: Lab, node: Node): [string, string][] {
  return hostsFile(lab, node)
    .split("\n")
    .slice(3)
    .filter(Boolean)
    .map((l) => l.split("\t") as [string, string]);
}
