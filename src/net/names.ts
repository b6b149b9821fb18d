// Kernel names for what netlab makes. Namespaces are `<lab>-<node>`; host-side
// interfaces are `<lab>-<parts>` when that fits IFNAMSIZ, else a short hash, with
// the readable long name kept as an altname. The lab prefix marks them as ours.

export const IFNAMSIZ = 15;

/** Named network namespaces (`ip netns`): iproute2's convention. */
export const NETNS_DIR = "/run/netns";
/** `ip netns exec NS` bind-mounts every file of /etc/netns/NS over /etc. */
export const NETNS_ETC = "/etc/netns";

/**
 * A lab name: it names state paths, environment marks and ownership comments, so nothing else
 * gets through. A lab file's name is at most 12 characters (lab/schema.ts); a Compose project's
 * is Compose's own (a-z, 0-9, '_', '-', from a letter or digit), kept whole for the user.
 */
export const LAB_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * A name short and tame enough to prefix kernel names (namespaces, chains) as it is: 19
 * characters keep `NL-<lab>-LABIF` within iptables' 28 (interface names past 15 are hashed anyway).
 */
const KERNEL_LAB = /^[a-z][a-z0-9-]{0,18}$/;

/**
 * The prefix of a lab's kernel names: the lab's name when it fits (every lab file's does), else
 * its first letters and a hash of the whole, 12 characters — `nginx-flask-mysql` and
 * `nginx-flask-mongo` stay two labs (past 19 characters). Pure: `down` finds the same names from the name alone.
 */
export function kernelLab(lab: string): string {
  if (KERNEL_LAB.test(lab)) return lab;
  const stem = lab.replace(/[^a-z0-9-]/g, "-").replace(/^[^a-z]+/, "").slice(0, 6).replace(/-+$/, "");
  return `${stem || "lab"}-${fnv1a(lab).toString(36).padStart(7, "0").slice(-5)}`;
}

/**
 * A node's name as one path component or part of a kernel name: a node with a namespace,
 * `NS/POD`, is `NS.POD` ('.' is in no node name, so two nodes never meet).
 */
export function flatName(node: string): string {
  return node.replace("/", ".");
}

export function nsName(lab: string, node: string): string {
  return `${kernelLab(lab)}-${flatName(node)}`;
}

/** The namespace that plays "the host" for an isolated lab. `host` is a reserved node name, so this cannot clash. */
export function isolatedHostNs(lab: string): string {
  return `${kernelLab(lab)}-host`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface KernelName {
  name: string;
  /** The long readable name, set as an altname when `name` had to be shortened. */
  altname?: string;
}

export function kernelName(prefix: string, ...parts: string[]): KernelName {
  const full = [prefix, ...parts.map(flatName)].join("-");
  if (full.length <= IFNAMSIZ) return { name: full };
  const hash = fnv1a(full).toString(36).padStart(7, "0").slice(0, 6);
  return { name: `${prefix.slice(0, IFNAMSIZ - 7)}-${hash}`, altname: full.slice(0, 127) };
}

/** What the kernel accepts as an interface name (dev_valid_name). */
export function validIfName(name: string): string | null {
  if (name.length === 0) return "an interface name cannot be empty";
  if (name.length > IFNAMSIZ) return `"${name}" is ${name.length} characters; Linux interface names are at most ${IFNAMSIZ}`;
  if (name === "." || name === "..") return `"${name}" is not a valid interface name`;
  if (/[\s/:]/.test(name)) return `"${name}" contains a space, '/' or ':', which interface names cannot`;
  if (!/^[A-Za-z0-9_.@-]+$/.test(name)) return `"${name}" has characters outside A-Z a-z 0-9 _ . - @`;
  return null;
}

/** The alias netlab writes on every interface it makes: proof of ownership that `ip -d link` shows. */
export function ownerAlias(lab: string, what: string): string {
  return `netlab:${lab}:${what}`;
}

/**
 * A bridge's own MAC, fixed when it is made (locally administered, from the lab, the holder and
 * the network): a Linux bridge otherwise takes the lowest MAC of its ports, so a node added or
 * removed by `apply` would change the gateway's MAC under every running node (Docker sets docker0's too).
 */
export function bridgeMac(lab: string, holder: string | null, net: string): string {
  const h = [fnv1a(`${lab}|${holder ?? ""}|${net}`), fnv1a(`${net}|${lab}`)];
  const b = [0x02, (h[0] >>> 24) & 0xff, (h[0] >>> 16) & 0xff, (h[0] >>> 8) & 0xff, h[0] & 0xff, h[1] & 0xff];
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}
