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
 * A command that writes exactly content's UTF-8 bytes to path, as `up` does: a here-document
 * when the content ends with a newline (the form a human reads best; a here-document always
 * ends with one), else printf with the content as its format — backslash and % escaped, NUL
 * as \000 (three octal digits, so a digit after it stays a digit in dash and bash alike).
 */
export function writeExactly(path: string, content: string): string {
  if (content.endsWith("\n") && !content.includes("\0")) return heredoc(`cat > ${shQuote(path)}`, content);
  return `printf -- ${shQuote(content.replace(/\\/g, "\\\\").replace(/%/g, "%%").replace(/\0/g, "\\000"))} > ${shQuote(path)}`;
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
