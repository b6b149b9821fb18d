// The shape of one entry of the lab format's reference (src/lab/reference/*.ts): the one source
// of what a key means. schema.ts describes each key with it (editors show it on hover), and
// scripts/gen-reference.mjs renders docs/lab-format.md's tables from it.

/**
 * A wrong value (undefined: the key left out) and, if it needs them to be wrong, sibling keys set
 * beside it (undefined: taken away) and more of the lab.
 */
export type Bad = [value: unknown, siblings?: Record<string, unknown>, lab?: Record<string, unknown>];

export interface KeyDoc {
  /** The type as a user reads it: "IPv4 prefix", "true | false", "list of strings". */
  type: string;
  /** What netlab does when the key is left out; absent: nothing (or the key is required). */
  default?: string;
  /** One line: what the key does. Editors show it on hover (with the default). */
  doc: string;
  /**
   * A valid use, as written in a lab file (`subnet: 172.20.0.0/24`); the generator checks it
   * validates, in the section's small lab plus `context`/`lab`.
   */
  example: string;
  /** Wrong values: the generator validates each and quotes the real error netlab gives. */
  bad?: Bad[];
  /** Errors only a live system can give (at `up`), quoted. */
  upErrors?: string[];
  /** Sibling keys the example and the wrong values need (kind: vxlan for vni). */
  context?: Record<string, unknown>;
  /** More of the lab they need (virtual hosts for a vxlan network), merged into the section's lab. */
  lab?: Record<string, unknown>;
  /** Try it in another small lab than its section's (render.ts's BASES): `route.replace` in `host.routes`. */
  triedAt?: string;
}

/** Entries keyed by schema path: `networks.*.subnet`, `links[].endpoints[].node`, `route.via`. */
export type KeyDocs = Record<string, KeyDoc>;

/** Prefixes every key of a section with its path: `under("networks.*", { subnet: … })`. */
export function under(prefix: string, docs: KeyDocs): KeyDocs {
  return Object.fromEntries(Object.entries(docs).map(([k, v]) => [prefix ? `${prefix}.${k}` : k, v]));
}
