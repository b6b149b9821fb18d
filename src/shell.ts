// Writing shell: quoting, here-documents, comments. --dry-run prints what these make, and
// the executor's shell workers run exactly that.

export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function heredoc(cmd: string, body: string): string {
  let tag = "EOF";
  while (body.includes(tag)) tag += "_";
  return `${cmd} <<'${tag}'\n${body.endsWith("\n") ? body : body + "\n"}${tag}`;
}

/**
 * Text from a lab file as shell comment lines: every line of it commented, control characters
 * shown escaped, so that a multi-line `exec:` or a file name with a newline stays a comment
 * instead of becoming a command the printed script would run where `up` does not.
 */
export function comment(text: string): string {
  return text
    .split(/\r\n|\n|\r/)
    .map((l) => `# ${l.replace(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`)}`)
    .join("\n");
}
