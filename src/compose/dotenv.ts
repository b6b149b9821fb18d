// The `.env` file Compose reads beside a Compose file (and `--env-file`): KEY=VALUE lines, as
// compose-go's dotenv reads them — `export ` allowed, `#` comments, 'single quotes' literal,
// "double quotes" with escapes and ${VAR} expansion, unquoted values expanded and cut at " #",
// a bare KEY taking the environment's value.
import { substitute, TemplateError, type Lookup } from "./interpolate.js";

export interface DotenvProblem {
  line: number;
  message: string;
}

const KEY = /^[A-Za-z0-9_.\-[\]]+$/;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", "\\": "\\", '"': '"', $: "$$" };

/**
 * Reads `text` into `out` (later keys win within the file). Expansion looks in `outer` first
 * (the process environment, which wins in Compose), then in what the file set before.
 */
export function parseDotenv(text: string, outer: Lookup, out: Map<string, string>, problems: DotenvProblem[]): void {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const lookup: Lookup = (k) => outer(k) ?? out.get(k);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim().replace(/^export\s+/, "");
    if (!line || line.startsWith("#")) continue;
    const eq = line.search(/[=:]/);
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) {
      problems.push({ line: lineNo, message: `"${key}" is not a variable name` });
      continue;
    }
    if (eq < 0) {
      const v = outer(key);
      if (v !== undefined) out.set(key, v);
      continue;
    }
    let value = line.slice(eq + 1).trimStart();
    const q = value[0];
    try {
      if (q === "'" || q === '"') {
        // A quoted value may run over several lines.
        let body = value.slice(1);
        let end = closingQuote(body, q);
        while (end < 0 && i + 1 < lines.length) {
          body += "\n" + lines[++i];
          end = closingQuote(body, q);
        }
        if (end < 0) throw new TemplateError(`the value of ${key} has no closing ${q}`);
        body = body.slice(0, end);
        value = q === "'" ? body : substitute(unescape(body), lookup);
      } else {
        value = substitute(value.replace(/\s+#.*$/, "").trimEnd(), lookup);
      }
      out.set(key, value);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      problems.push({ line: lineNo, message: e.message });
    }
  }
}

function closingQuote(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === q) return i;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
}
