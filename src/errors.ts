// Every error class of netlab. Those a user can act on carry no stack trace to the terminal:
// the CLI prints message, location and hint, and exits with `exitCode`.

export type KeyPath = (string | number)[];

export interface Location {
  file: string;
  line: number;
  column: number;
}

export function formatKey(path: KeyPath): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(p)) s += (s ? "." : "") + p;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s || "(top level)";
}

/** How many problems are located and reported one by one; the rest are counted. */
export const MAX_PROBLEMS = 200;

/** A problem in a lab file: where, which key, what, and what to do. Exit code 2. */
export class LabError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly problems: Problem[],
    /** Problems found beyond those listed. */
    readonly more = 0,
  ) {
    super(problems.map(formatProblem).join("\n") + (more ? `\n… and ${more} more problems` : ""));
  }
}

export interface Problem {
  loc?: Location;
  key: KeyPath;
  message: string;
  hint?: string;
}

/**
 * Text from a lab file made safe for a terminal: control characters (an escape sequence in a
 * description, a carriage return in a name) are shown as \xNN instead of acting on the terminal.
 * Newlines are kept only where `keepNewlines` says so.
 */
export function printable(s: string, keepNewlines = false): string {
  return s.replace(keepNewlines ? /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/g : /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function formatProblem(p: Problem): string {
  const where = p.loc ? `${printable(p.loc.file)}:${p.loc.line}:${p.loc.column}: ` : "";
  const key = p.key.length ? `${formatKey(p.key)}: ` : "";
  return `${where}${key}${printable(p.message)}${p.hint ? `\n  hint: ${printable(p.hint)}` : ""}`;
}

/** Wrong use of a command (unknown lab, bad flag value, lab not up). Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** The machine lacks something: root, a package, a kernel feature. Exit code 3. */
export class EnvError extends Error {
  readonly exitCode = 3;
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** A command netlab ran failed while changing the system. Exit code 1. */
export class ApplyError extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly command?: string,
    readonly stderr?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}


/** The user stopped a command (Ctrl-C, SIGTERM) and netlab put things back first. Exit code 128 + the signal's number, as a shell reports it. */
export class Interrupted extends Error {
  readonly exitCode: number;
  readonly hint = undefined;
  constructor(readonly signal: "SIGINT" | "SIGTERM" | "SIGHUP", message: string) {
    super(message);
    this.exitCode = 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal];
  }
}

/** A command an op ran failed (inside the executor; becomes an ApplyError after rollback). */
export class OpFailure extends Error {
  constructor(readonly command: string, readonly stderr: string, readonly op: { op: string }) {
    super(stderr);
  }
}
