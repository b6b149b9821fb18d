// Name resolution inside nodes: `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc. Each
// node's pair of files lives in filesDir, one directory per distinct pair (a star's nodes share
// one), and /etc/netns/<ns> is a symlink to it, which the mount follows: one new inode per node
// on the disk, instead of three.
import { hostsFile } from "../lab/hosts.js";
import { networkOf, type Lab, type Node } from "../lab/model.js";
import { NETNS_ETC } from "../net/names.js";
import type { Op, Step } from "./ops.js";

/**
 * resolv.conf for a node: its own `dns:` settings; else the host's nameservers when the node
 * reaches the outside through NAT (Docker's behaviour, loopback servers dropped); else none at
 * all, so that a name missing from /etc/hosts fails at once instead of waiting on an
 * unreachable server.
 */
export function resolvConf(lab: Lab, node: Node, hostResolv?: string): string {
  const head = `# Written by netlab for lab ${lab.name}; removed by \`netlab down ${lab.name}\`.`;
  if (node.resolv) {
    const r = node.resolv;
    return [head, ...r.nameservers.map((n) => `nameserver ${n}`), ...(r.search.length ? [`search ${r.search.join(" ")}`] : [])].join("\n") + "\n";
  }
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
  const dirs = new Map<string, { nodes: Node[]; hosts: string; resolv: string }>();
  for (const node of lab.nodes) {
    const hosts = hostsFile(lab, node, blocks);
    const resolv = resolvConf(lab, node, opts.hostResolv);
    const key = `${hosts}\0${resolv}`;
    const d = dirs.get(key);
    if (d) d.nodes.push(node);
    else dirs.set(key, { nodes: [node], hosts, resolv });
  }
  const files: Op[] = [];
  let shared = 0;
  for (const d of dirs.values()) {
    const dir = `${filesDir}/${d.nodes.length === 1 ? d.nodes[0].name : `shared-${++shared}`}`;
    files.push({ op: "write", path: `${dir}/hosts`, content: d.hosts }, { op: "write", path: `${dir}/resolv.conf`, content: d.resolv });
    for (const n of d.nodes) files.push({ op: "symlink", path: `${NETNS_ETC}/${n.ns}`, target: dir });
  }
  if (!files.length) return null;
  return {
    id: "etc-netns",
    title: "hosts and resolv.conf files",
    ops: files,
    undo: [...lab.nodes.map((n) => ({ op: "rm", path: `${NETNS_ETC}/${n.ns}` }) as Op), ...(opts.filesDir ? [{ op: "rm", path: opts.filesDir } as Op] : [])],
  };
}
