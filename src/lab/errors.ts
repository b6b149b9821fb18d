// Errors a user can act on. They carry no stack trace to the terminal:
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

/** A problem in a lab file: where, which key, what, and what to do. Exit code 2. */
export class LabError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly problems: Problem[],
  ) {
    super(problems.map(formatProblem).join("\n"));
  }
}

export interface Problem {
  loc?: Location;
  key: KeyPath;
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const where = p.loc ? `${p.loc.file}:${p.loc.line}:${p.loc.column}: ` : "";
  const key = p.key.length ? `${formatKey(p.key)}: ` : "";
  return `${where}${key}${p.message}${p.hint ? `\n  hint: ${p.hint}` : ""}`;
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

