// Every key of the Compose Specification (its JSON Schema, compose-spec/compose-spec), sorted by
// what netlab does with it: read (it shapes the network), quiet (Docker uses it, the network does
// not change: listed once at `validate`), or lost (it would change the network and netlab cannot
// do it: a warning with the reason). A key in none of these is a typo when it is near a known
// one (an error, "did you mean"), else a key this netlab does not know (a warning).
import { closest } from "../suggest.js";

export type Section = "top" | "service" | "network" | "attachment" | "ipam";

const words = (s: string) => s.trim().split(/\s+/);

/** The keys each section may have, from the specification's schema. */
export const KNOWN: Record<Section, string[]> = {
  top: words("version name include services models networks volumes secrets configs"),
  service: words(`develop deploy annotations attach build blkio_config cap_add cap_drop cgroup cgroup_parent command configs
    container_name cpu_count cpu_percent cpu_shares cpu_quota cpu_period cpu_rt_period cpu_rt_runtime cpus cpuset credential_spec
    depends_on device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint env_file label_file environment expose
    extends provider external_links extra_hosts gpus group_add healthcheck hostname image init ipc isolation labels links logging
    mac_address mem_limit mem_reservation mem_swappiness memswap_limit network_mode models networks oom_kill_disable oom_score_adj
    pid pids_limit platform ports post_start pre_stop privileged profiles pull_policy pull_refresh_after read_only restart runtime
    scale security_opt shm_size secrets sysctls stdin_open stop_grace_period stop_signal storage_opt tmpfs tty ulimits
    use_api_socket user uts userns_mode volumes volumes_from working_dir
    net volume_driver cpu_count mem_swappiness`), // the last: Compose file format 2 keys Compose still reads
  network: words("name driver driver_opts ipam external internal enable_ipv4 enable_ipv6 attachable labels"),
  attachment: words("aliases interface_name ipv4_address ipv6_address link_local_ips mac_address driver_opts priority gw_priority"),
  ipam: words("subnet ip_range gateway aux_addresses"),
};

/** Keys netlab reads: they become the lab. */
export const READ: Record<Section, Set<string>> = {
  top: new Set(words("version name services networks include")),
  service: new Set(words("networks ports expose dns dns_search extra_hosts network_mode container_name labels sysctls profiles mac_address links")),
  network: new Set(words("driver driver_opts internal ipam enable_ipv6 external")),
  attachment: new Set(words("aliases ipv4_address ipv6_address mac_address interface_name")),
  ipam: new Set(words("subnet gateway")),
};

/** Keys that would change the network, and why netlab cannot honour them: a warning each. */
export const LOST: Partial<Record<Section, Record<string, string>>> = {
  top: {},
  service: {
    external_links: "containers outside this file do not exist in the lab",
    dns_opt: "resolver options are not written into the node's resolv.conf",
    extends: "the service it extends is not merged in: write the keys out (or use a YAML merge key, <<: *anchor)",
  },
  network: { enable_ipv4: "a network without IPv4 is not made: netlab gives every network an IPv4 subnet" },
  attachment: {
    link_local_ips: "link-local addresses are not added",
    priority: "networks are joined in the order written",
    gw_priority: "the default route goes through the first network that has a way out",
    driver_opts: "per-endpoint driver options are not applied",
  },
  ipam: { ip_range: "addresses are handed out from the whole subnet", aux_addresses: "auxiliary addresses are not reserved" },
};

export type KeyVerdict =
  | { kind: "read" | "quiet" }
  | { kind: "lost"; why: string }
  | { kind: "typo"; guess: string }
  | { kind: "unknown" };

/** What netlab makes of `key` in `section`. Extension keys (`x-…`) are quiet: Compose ignores them too. */
export function verdict(section: Section, key: string): KeyVerdict {
  if (key.startsWith("x-")) return { kind: "quiet" };
  if (READ[section].has(key)) return { kind: "read" };
  const why = LOST[section]?.[key];
  if (why) return { kind: "lost", why };
  if (KNOWN[section].includes(key)) return { kind: "quiet" };
  const guess = closest(key, KNOWN[section]);
  return guess ? { kind: "typo", guess } : { kind: "unknown" };
}
