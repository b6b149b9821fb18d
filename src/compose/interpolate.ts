// Compose's variable interpolation (the Compose Specification, "Interpolation"): `$VAR`,
// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`,
// `${VAR+alt}`, nested in the default, and `$$` for a literal `$`. Values only, never keys;
// errors carry the key path of the value, which the caller locates in the file.
import type { KeyPath } from "../errors.js";

/** A variable's value, or undefined when it is unset (set-but-empty is ""). */
export type Lookup = (name: string) => string | undefined;

export class TemplateError extends Error {}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const OPS = [":-", ":?", ":+", "-", "?", "+"] as const;

/** Where the `${` whose `$` is at `start` closes, or -1: every brace nests, as in Compose's own reader. */
function closing(text: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/** Defaults inside defaults: a real file nests two or three; a hostile one could exhaust the stack. */
const MAX_NESTING = 16;

/** How deep `${` nests in a value. */
function nesting(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") { depth++; i++; max = Math.max(max, depth); }
    else if (text[i] === "}" && depth > 0) depth--;
  }
  return max;
}

/**
 * One string with its variables substituted. `missing` collects variables used without a value
 * and without a default (Compose substitutes "" and warns). Throws TemplateError for a `${`
 * that is not a variable, or for a required variable (`:?`, `?`) that has no value.
 */
export function substitute(text: string, lookup: Lookup, missing: Set<string> = new Set()): string {
  if (nesting(text) > MAX_NESTING) throw new TemplateError(`a value nests \${…} more than ${MAX_NESTING} deep`);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "$") { out += ch; continue; }
    const next = text[i + 1];
    if (next === "$") { out += "$"; i++; continue; }
    if (next === "{") {
      const end = closing(text, i);
      if (end < 0) throw new TemplateError(`"${text}": \${ without its closing }`);
      out += braced(text.slice(i + 2, end), lookup, missing, text);
      i = end;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (!m) { out += "$"; continue; } // a `$` that starts no variable stays as it is, as in Compose
    const v = lookup(m[0]);
    if (v === undefined) missing.add(m[0]);
    out += v ?? "";
    i += m[0].length;
  }
  return out;
}

/** The inside of `${…}`: a name, then nothing or an operator and its argument. */
function braced(inner: string, lookup: Lookup, missing: Set<string>, whole: string): string {
  const m = NAME.exec(inner);
  if (!m) throw new TemplateError(`"${whole}": \${${inner}} is not a variable (names are letters, digits and _)`);
  const name = m[0];
  const rest = inner.slice(name.length);
  const v = lookup(name);
  if (rest === "") {
    if (v === undefined) missing.add(name);
    return v ?? "";
  }
  const op = OPS.find((o) => rest.startsWith(o));
  if (!op) throw new TemplateError(`"${whole}": \${${inner}} is not a form Compose reads`);
  const arg = () => substitute(rest.slice(op.length), lookup, missing);
  const empty = op.startsWith(":"); // the ':' forms treat an empty value as unset
  const absent = v === undefined || (empty && v === "");
  switch (op) {
    case ":-":
    case "-":
      return absent ? arg() : v!;
    case ":+":
    case "+":
      return absent ? "" : arg();
    default: {
      if (!absent) return v!;
      const why = arg();
      throw new TemplateError(`required variable ${name} ${v === undefined ? "is not set" : "is empty"}${why ? `: ${why}` : ""}`);
    }
  }
}

export interface InterpolationProblem {
  path: KeyPath;
  message: string;
}

/**
 * A copy of `data` with every string value interpolated (keys kept as written). Shared parts
 * (YAML aliases) are copied where they appear, so the result is a plain tree. `missing` maps
 * each variable used without a value to the first key path that used it.
 */
export function interpolateTree(data: unknown, lookup: Lookup, problems: InterpolationProblem[], missing: Map<string, KeyPath>): unknown {
  const walk = (v: unknown, path: KeyPath): unknown => {
    if (typeof v === "string") {
      const used = new Set<string>();
      try {
        const s = substitute(v, lookup, used);
        for (const name of used) if (!missing.has(name)) missing.set(name, path);
        return s;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        problems.push({ path, message: e.message });
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  return walk(data, []);
}
