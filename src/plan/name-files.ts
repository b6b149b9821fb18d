// Name resolution inside nodes: `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc. Each
// node's pair of files lives in filesDir, one directory per distinct pair (a star's nodes share
// one), and /etc/netns/<ns> is a symlink to it, which the mount follows: one new inode per node
// on the disk, instead of three. The directories live in separate trees — nodes/<node>,
// shared/<n>, host — so that no node's name can make its private directory the one others share.
import { hostsFile } from "../lab/hosts.js";
import { networkOf, type Lab, type Node } from "../lab/model.js";
import { flatName, NETNS_ETC } from "../net/names.js";
import { dnsServerOf } from "../dns/servers.js";
import type { Op, Step } from "./ops.js";

/**
 * resolv.conf for a node: its own `dns:` settings; else the host's nameservers when the node
 * reaches the outside through NAT (Docker's behaviour, loopback servers dropped); else none at
 * all, so that a name missing from /etc/hosts fails at once instead of waiting on an
 * unreachable server.
 */
export function resolvConf(lab: Lab, node: Node, hostResolv?: string): string {
  const head = `# Written by netlab for lab ${lab.name}; removed by \`netlab down ${lab.name}\`.`;
  const search = node.resolv?.search.length ? [`search ${node.resolv.search.join(" ")}`] : [];
  const own = node.resolv?.options?.length ? [`options ${node.resolv.options.join(" ")}`] : [];
  if (node.resolv?.nameservers.length) return [head, ...node.resolv.nameservers.map((n) => `nameserver ${n}`), ...search, ...own].join("\n") + "\n";
  // On a network with names: the lab's DNS server, at 127.0.0.11 as in a Docker container (with a search list of the node's own, if it has one).
  if (dnsServerOf(lab, node)) return [head, "# The lab's DNS server (netlab logs LAB dns shows what it was asked), reached through a DNAT.", "nameserver 127.0.0.11", ...search, ...(own.length ? own : ["options ndots:0"])].join("\n") + "\n";
  const natted = node.intfs.some((i) => lab.networks.find((n) => n.name === networkOf(i))?.nat);
  if (natted && hostResolv) {
    const kept = hostResolv.split("\n").filter((l) => /^\s*(nameserver|search|domain|options)\s/.test(l) && !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
    if (kept.some((l) => l.trim().startsWith("nameserver"))) return [head, "# Nameservers copied from the host, as Docker does for a NATed network.", ...kept].join("\n") + "\n";
  }
  return [head, "# No nameserver: this node resolves names from /etc/hosts only.", "options timeout:1 attempts:1"].join("\n") + "\n";
}

export function nameFilesStep(lab: Lab, opts: { stateDir: string; filesDir?: string; hostResolv?: string }): Step | null {
  const filesDir = opts.filesDir ?? `${opts.stateDir}/etc`;
  const blocks = new Map<string, string>();
  const dirs = new Map<string, { nss: string[]; name: string; hosts?: string; resolv?: string; own: Record<string, string> }>();
  for (const node of lab.nodes) {
    const hosts = hostsFile(lab, node, blocks, !!dnsServerOf(lab, node));
    const resolv = resolvConf(lab, node, opts.hostResolv);
    // A node with files of its own gets a directory of its own.
    const key = Object.keys(node.files).length ? `node:${node.name}` : `${hosts}\0${resolv}`;
    const d = dirs.get(key);
    if (d) d.nss.push(node.ns);
    else dirs.set(key, { nss: [node.ns], name: node.name, hosts, resolv, own: node.files });
  }
  // An isolated lab's host is a namespace of netlab's too: its files go the same way.
  if (lab.hostNs && Object.keys(lab.host.files).length) dirs.set("host", { nss: [lab.hostNs], name: "host", own: lab.host.files });
  const files: Op[] = [];
  const linked: { ns: string; dir: string }[] = [];
  let shared = 0;
  for (const [key, d] of dirs) {
    const dir = `${filesDir}/${key === "host" ? "host" : d.nss.length === 1 ? `nodes/${flatName(d.name)}` : `shared/${++shared}`}`;
    if (d.hosts !== undefined) files.push({ op: "write", path: `${dir}/hosts`, content: d.hosts }, { op: "write", path: `${dir}/resolv.conf`, content: d.resolv! });
    for (const [path, content] of Object.entries(d.own)) files.push({ op: "write", path: `${dir}/${path.slice("/etc/".length)}`, content });
    for (const ns of d.nss) {
      files.push({ op: "symlink", path: `${NETNS_ETC}/${ns}`, target: dir });
      linked.push({ ns, dir });
    }
  }
  if (!files.length) return null;
  return {
    id: "etc-netns",
    title: [...dirs.values()].some((d) => Object.keys(d.own).length) ? "hosts, resolv.conf and files under /etc" : "hosts and resolv.conf files",
    ops: files,
    // Only the links netlab made go (a directory root keeps there is never touched), then the tree of files.
    undo: [...linked.map(({ ns, dir }) => ({ op: "rm", path: `${NETNS_ETC}/${ns}`, link: dir }) as Op), ...(opts.filesDir ? [{ op: "rm", path: opts.filesDir } as Op] : [])],
  };
}
