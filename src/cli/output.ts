// Terminal output: colour only on a terminal and never with NO_COLOR; a spinner on
// a terminal, plain progress lines otherwise; errors without stack traces.
import { Chalk, type ChalkInstance } from "chalk";
import { ApplyError, EnvError, Interrupted, LabError, UsageError, formatProblem, printable } from "../errors.js";

const colorOk = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
export const c: ChalkInstance = new Chalk({ level: colorOk(process.stdout) ? 1 : 0 });
export const ce: ChalkInstance = new Chalk({ level: colorOk(process.stderr) ? 1 : 0 });

/** Columns; cells may carry our own colours, and nothing else that acts on a terminal gets through. */
export function table(head: string[], rows: string[][], width = screenWidth()): string {
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  rows = rows.map((r) => r.map((cell) => cell.split(/(\x1b\[[0-9;]*m)/).map((part, i) => (i % 2 ? part : printable(part))).join("")));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => strip(r[i] ?? "").length)));
  fit(widths, head, rows, width);
  const line = (r: string[]) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + " ".repeat(Math.max(0, widths[i] - strip(cell).length)))).join("  ").trimEnd();
  const lines = (r: string[]) => {
    const wrapped = r.map((cell, i) => (strip(cell).length > widths[i] ? wrap(cell, widths[i]) : [cell]));
    const n = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: n }, (_, k) => line(wrapped.map((w) => w[k] ?? "")));
  };
  return [c.bold(line(head)), ...rows.flatMap(lines)].join("\n");
}

/**
 * The terminal's width (80 when it says none), or COLUMNS; unlimited when output goes to a pipe or
 * a file without COLUMNS, where a script reads each row as one line.
 */
function screenWidth(): number {
  if (Number(process.env.COLUMNS) > 0) return Number(process.env.COLUMNS);
  return process.stdout.isTTY ? process.stdout.columns || 80 : Infinity;
}

/**
 * Narrows the widest plain-text columns (colours are never cut) until the table fits `width`,
 * each down to no less than its header or 12 characters: their cells then wrap at spaces.
 */
function fit(widths: number[], head: string[], rows: string[][], width: number): void {
  const plain = (i: number) => rows.every((r) => !/\x1b/.test(r[i] ?? ""));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > width) {
    const floor = (i: number) => Math.max(head[i].length, 12);
    const i = widths.map((w, k) => [w, k]).filter(([w, k]) => plain(k) && w > floor(k)).sort((a, b) => b[0] - a[0])[0]?.[1];
    if (i === undefined) return;
    widths[i] = Math.max(floor(i), widths[i] - (total() - width));
  }
}

/** Words of `text` in lines of at most `width`; a word longer than that is cut. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (let word of text.split(" ")) {
    while (word.length > width) {
      if (cur) { out.push(cur); cur = ""; }
      out.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!cur) cur = word;
    else if (cur.length + 1 + word.length <= width) cur += ` ${word}`;
    else { out.push(cur); cur = word; }
  }
  out.push(cur);
  return out;
}

export interface Progress {
  update(msg: string): void;
  succeed(msg: string): void;
  fail(msg?: string): void;
  /** Print something (warnings) without tearing the spinner. */
  above(print: () => void): void;
}

/**
 * ora on a terminal; otherwise each phase as a plain line on stderr. A terminal that says it is
 * 0 columns wide (script(1), a serial console) gets plain lines too: ora 9 divides by its width
 * and loops forever there.
 */
export async function progress(title: string, quiet = false): Promise<Progress> {
  if (quiet) return { update() {}, succeed() {}, fail() {}, above: (print) => print() };
  if (process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !("NO_COLOR" in process.env && process.env.NETLAB_PLAIN)) {
    const { default: ora } = await import("ora");
    const s = ora({ text: title, stream: process.stderr }).start();
    return {
      update: (m) => { s.text = `${title}: ${m}`; },
      succeed: (m) => s.succeed(m),
      fail: (m) => (m ? s.fail(m) : s.stop()),
      above: (print) => { s.clear(); print(); s.render(); },
    };
  }
  return {
    update: (m) => process.stderr.write(`${title}: ${m}\n`),
    succeed: (m) => process.stdout.write(`${m}\n`),
    fail: () => {},
    above: (print) => print(),
  };
}

/** Print an error the user can act on and return the exit code. */
export function reportError(e: unknown): number {
  const err = (s: string) => process.stderr.write(s + "\n");
  if (e instanceof LabError) {
    for (const p of e.problems) {
      const [first, ...rest] = formatProblem(p).split("\n");
      err(`${ce.red("error")}: ${first}`);
      for (const r of rest) err(ce.dim(r));
    }
    if (e.more) err(ce.dim(`${e.problems.length + e.more} problems (the first ${e.problems.length} shown); nothing was changed`));
    else if (e.problems.length > 1) err(ce.dim(`${e.problems.length} problems; nothing was changed`));
    else err(ce.dim("nothing was changed"));
    return 2;
  }
  if (e instanceof ApplyError) {
    err(`${ce.red("error")}: ${printable(e.message)}`);
    if (e.command) err(`  failed: ${printable(e.command)}`);
    if (e.stderr) err(`  ${printable(e.stderr, true).split("\n").join("\n  ")}`);
    if (e.hint) err(ce.dim(`  hint: ${printable(e.hint)}`));
    return e.exitCode;
  }
  if (e instanceof UsageError || e instanceof EnvError || e instanceof Interrupted) {
    // Its own messages may be lists, a line each (what apply cannot change); other control characters are shown escaped.
    err(`${ce.red("error")}: ${printable(e.message, true)}`);
    if (e.hint) err(ce.dim(`  hint: ${printable(e.hint)}`));
    return e.exitCode;
  }
  err(`${ce.red("error")}: ${printable(e instanceof Error ? e.message : String(e))}`);
  err(ce.dim("  this looks like a bug in netlab; NETLAB_DEBUG=1 shows where it happened"));
  if (process.env.NETLAB_DEBUG && e instanceof Error) err(e.stack ?? "");
  return 1;
}

export function age(seconds: number): string {
  if (seconds < 90) return `${seconds}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

/** A front-end's notes, one line each (what netlab does instead of what the file says, what it leaves aside). */
export function reportNotes(notes: { text: string; when: "up" | "verbose" }[], verbose: boolean): void {
  for (const n of notes) if (verbose || n.when === "up") process.stderr.write(`${ce.cyan("note")}: ${printable(n.text)}
`);
}

/** A front-end's warnings (where a Compose file loses meaning), each at its line. */
export function reportWarnings(warnings: import("../errors.js").Problem[]): void {
  for (const w of warnings) {
    const [first, ...rest] = formatProblem(w).split("\n");
    process.stderr.write(`${ce.yellow("warning")}: ${first}\n`);
    for (const r of rest) process.stderr.write(ce.dim(r) + "\n");
  }
}
