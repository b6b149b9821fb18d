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

/** iproute2's places: named namespaces, and the files `ip netns exec` mounts over /etc. */
export { NETNS_DIR, NETNS_ETC } from "../net/names.js";
