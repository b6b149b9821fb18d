// Every place outside its own process that netlab reads or writes, in one module.

/** netlab's state: one root-only directory per lab, lock files, host ledgers. */
export const STATE_ROOT = process.env.NETLAB_STATE_DIR ?? "/run/netlab";

/**
 * Where nodes' hosts and resolv.conf files go: a tmpfs. A lab of 1,000 routers has 1,000
 * different hosts files, and on some disks each new file costs a millisecond of kernel time
 * (seen on this project's ext4 VMs, where /run is not a tmpfs). /dev/shm is a tmpfs on every
 * Linux system; without one, the files go into the state directory.
 */
export const FILES_ROOT = "/dev/shm/netlab";

/** `ip netns exec NS` bind-mounts every file of /etc/netns/NS over /etc. */
export const NETNS_ETC = "/etc/netns";

/** Named network namespaces (`ip netns`). */
export const NETNS_DIR = "/run/netns";
