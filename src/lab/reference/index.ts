// The lab format's reference: every key, its type, default, meaning, an example and the errors
// a wrong value gives, keyed by schema path. The one source: schema.ts describes each key with
// `doc()` (editors show it on hover), docs/lab-format.md's tables are rendered from it (render.ts),
// and test/unit/reference.test.ts fails when a schema key has no entry here.
import { CHECKS } from "./checks.js";
import { HOSTS } from "./hosts.js";
import { LINKS } from "./links.js";
import { NETEM, NETWORKS } from "./networks.js";
import { NODES } from "./nodes.js";
import { SHARED_SHAPES } from "./shared.js";
import { RECORDS } from "./records.js";
import { KUBERNETES } from "./kubernetes.js";
import { TOP } from "./top.js";
import type { KeyDoc, KeyDocs } from "./types.js";

export type { KeyDoc } from "./types.js";

export const REFERENCE: KeyDocs = { ...TOP, ...NETWORKS, ...NETEM, ...NODES, ...SHARED_SHAPES, ...LINKS, ...HOSTS, ...RECORDS, ...KUBERNETES, ...CHECKS };

/** What an editor shows on hover: the meaning, and the default when there is one. */
export const hoverText = (d: KeyDoc): string => (d.default ? `${d.doc} Default: ${d.default}.` : d.doc);

/** The hover text of a key (`networks.*.subnet`); throws for a key the reference lacks, naming it. */
export function doc(path: string): string {
  const d = REFERENCE[path];
  if (!d) throw new Error(`the lab format's reference has no entry for ${path}: add one in src/lab/reference/`);
  return hoverText(d);
}
