// What lowering a Compose file has to say, sorted by weight: errors (refused, exit 2), warnings
// (meaning is lost: said at validate and up), notes (one line each: what netlab does instead, at
// up; what it leaves aside because it does not change the network, at validate or --verbose).
import type { KeyPath, Location, Problem } from "../errors.js";
import { verdict, type Section } from "./keys.js";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export interface Note {
  text: string;
  /** "up": said at every up (it changes what the user sees); "verbose": at validate, and at up with --verbose. */
  when: "up" | "verbose";
}

const WHERE: Record<Section, string> = { top: "", service: "services", network: "networks", attachment: "service networks", ipam: "ipam configs" };

export class Report {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  readonly notes: Note[] = [];
  /** Keys Docker uses that do not change the network: key → how many places use it, by section. */
  private readonly quiet = new Map<Section, Map<string, number>>();

  constructor(private readonly locate: (p: KeyPath) => Location) {}

  err(key: KeyPath, message: string, hint?: string): void {
    this.errors.push({ loc: this.locate(key), key, message, hint });
  }

  warn(key: KeyPath, message: string, hint?: string): void {
    this.warnings.push({ loc: this.locate(key), key, message, hint });
  }

  note(text: string, when: Note["when"] = "verbose"): void {
    this.notes.push({ text, when });
  }

  /** Sorts the keys of one mapping: typos are errors, keys that lose meaning are warnings, the rest counted. */
  keys(section: Section, obj: Obj, path: KeyPath): void {
    for (const k of Object.keys(obj)) {
      const v = verdict(section, k);
      if (v.kind === "typo") this.err([...path, k], `unknown key "${k}"`, `did you mean "${v.guess}"?`);
      else if (v.kind === "unknown") this.warn([...path, k], `"${k}" is not a Compose key netlab knows: it is not read`, "a newer Compose key, or a typo; extensions start with x-");
      else if (v.kind === "lost") this.warn([...path, k], `not honoured: ${v.why}`);
      else if (v.kind === "quiet" && !k.startsWith("x-")) {
        const m = this.quiet.get(section) ?? this.quiet.set(section, new Map()).get(section)!;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
    }
  }

  /** One line per section listing the keys left aside: "services: image (3), environment (2), …". */
  quietNote(): void {
    const parts = [...this.quiet].map(([s, m]) => {
      const list = [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => (n > 1 ? `${k} (${n})` : k));
      return `${WHERE[s] ? `${WHERE[s]}: ` : "top level: "}${list.join(", ")}`;
    });
    if (parts.length) this.note(`not used, as they do not change the network — ${parts.join("; ")}`);
  }
}
