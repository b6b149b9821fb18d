// What a pod's spec says about its own names (core/v1 PodSpec): `dnsPolicy` and `dnsConfig` —
// the resolv.conf the kubelet writes (ClusterFirst: the cluster DNS and its search path, with
// dnsConfig's added; None: dnsConfig's alone) — and `hostAliases`, the kubelet's extra /etc/hosts
// lines. A policy netlab cannot give (Default: the node's resolv.conf) is refused.
import type { KeyPath, Problem } from "../errors.js";
import { parseAddr } from "../net/ip.js";
import { isObj, problemAt, type Manifest } from "./manifests.js";

export interface PodNames {
  /** resolv.conf as the kubelet writes it; undefined: ClusterFirst without additions. */
  dns?: { policy: "ClusterFirst" | "None"; nameservers: string[]; searches: string[]; options: string[] };
  /** hostAliases: hostname → address. */
  hosts?: Record<string, string>;
}

const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

/** The pod spec `s` (at key `at` of manifest `m`): its names; problems said once (`first`). */
export function podNames(s: Record<string, unknown>, m: Manifest, at: KeyPath, first: boolean, problems: Problem[]): PodNames {
  const out: PodNames = {};
  // ClusterFirstWithHostNet is ClusterFirst for a pod of its own network (hostNetwork is refused anyway).
  const policy = s.dnsPolicy === "ClusterFirstWithHostNet" ? "ClusterFirst" : (s.dnsPolicy ?? "ClusterFirst");
  if (policy !== "ClusterFirst" && policy !== "None") {
    if (first) problems.push(problemAt(m, [...at, "dnsPolicy"], `dnsPolicy ${JSON.stringify(policy)} is not one netlab gives`, "ClusterFirst (the cluster DNS, the default) or None with dnsConfig"));
  } else if (policy === "None" || isObj(s.dnsConfig)) {
    const c = isObj(s.dnsConfig) ? s.dnsConfig : {};
    const options = (Array.isArray(c.options) ? c.options : []).flatMap((o, i) => {
      if (isObj(o) && typeof o.name === "string" && o.name) return [o.value !== undefined ? `${o.name}:${String(o.value)}` : o.name];
      if (first) problems.push(problemAt(m, [...at, "dnsConfig", "options", i], "a dnsConfig option needs a name", "e.g. { name: ndots, value: \"2\" }"));
      return [];
    });
    for (const k of ["nameservers", "searches"] as const) if (c[k] !== undefined && !Array.isArray(c[k]) && first) problems.push(problemAt(m, [...at, "dnsConfig", k], `dnsConfig.${k} must be a list`));
    strs(c.nameservers).forEach((a, i) => {
      if (!parseAddr(a) && first) problems.push(problemAt(m, [...at, "dnsConfig", "nameservers", i], `"${a}" is not an IP address`));
    });
    if (strs(c.nameservers).length > 3 && first) problems.push(problemAt(m, [...at, "dnsConfig", "nameservers"], "at most 3 nameservers", "the API server refuses more (resolv.conf reads 3)"));
    if (policy === "None" && !strs(c.nameservers).length && first) problems.push(problemAt(m, [...at, "dnsConfig"], "dnsPolicy: None needs dnsConfig.nameservers", "e.g. dnsConfig: { nameservers: [10.96.0.10] }, as the API server asks"));
    out.dns = { policy, nameservers: strs(c.nameservers), searches: strs(c.searches), options };
  }
  if (Array.isArray(s.hostAliases)) {
    // The kubelet writes a line each: the first line naming a host is the one that answers.
    const hosts: Record<string, string> = {};
    s.hostAliases.forEach((h, i) => {
      if (!isObj(h) || typeof h.ip !== "string" || !parseAddr(h.ip)) return void (first && problems.push(problemAt(m, [...at, "hostAliases", i, "ip"], `hostAliases[${i}].ip must be an IP address`)));
      for (const n of strs(h.hostnames)) hosts[n] ??= h.ip;
    });
    out.hosts = hosts;
  }
  return out;
}

/** The kubelet's resolv.conf for a pod in `ns`, with its own settings. */
export function kubeletResolv(ns: string, dnsIP: string, own: PodNames["dns"], base: { nameservers: string[]; search: string[]; options: string[] }): { nameservers: string[]; search: string[]; options: string[] } {
  if (!own) return base;
  if (own.policy === "None") return { nameservers: own.nameservers, search: own.searches, options: own.options };
  const opts = new Map(base.options.map((o) => [o.split(":")[0], o]));
  for (const o of own.options) opts.set(o.split(":")[0], o); // dnsConfig's options win, as the kubelet merges them
  return { nameservers: [...base.nameservers, ...own.nameservers.filter((n) => n !== dnsIP)], search: [...new Set([...base.search, ...own.searches])], options: [...opts.values()] };
}
