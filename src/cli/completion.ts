// Shell completion: each shell's script hands the words typed so far to the hidden
// `netlab __complete`, which answers from the command definitions (commands, options, choices),
// the lab files (shipped, ./labs, files here) and what is up: labs from /run/netlab, a lab's
// nodes from its namespaces' names under /run/netns — both readable without root, so
// completion works for `sudo netlab exec LAB <TAB>` typed by a user.
import type { Command, Option } from "commander";
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { shippedLabs } from "../lab/find.js";
import { FILES_ROOT, NETNS_DIR, NETNS_ETC, STATE_ROOT } from "../state/paths.js";
import { kernelLab, LAB_NAME, nsName } from "../net/names.js";

const list = (d: string): string[] => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};

/** Labs that are up: their state directories. */
export const labsUp = (): string[] => list(STATE_ROOT).filter((n) => !n.startsWith(".") && LAB_NAME.test(n));

/**
 * The lab whose name files a namespace uses, exactly: /etc/netns/<ns> is a link into
 * <files root>/<lab>/ (readable by anyone, like the namespace names), or null without one.
 */
function ownerOf(ns: string): string | null {
  try {
    const target = readlinkSync(join(NETNS_ETC, ns));
    for (const root of [FILES_ROOT, STATE_ROOT]) if (target.startsWith(`${root}/`)) return target.slice(root.length + 1).split("/")[0] || null;
  } catch {
    /* no link */
  }
  return null;
}

/**
 * A lab's nodes, from its namespaces (`LAB-NODE`), and host. `a-b-x` is node `b-x` of lab `a` or
 * node `x` of lab `a-b`: its name files' link says which. Without one, it goes to the longest lab
 * up whose name it starts with.
 */
export function nodesUp(lab: string): string[] {
  const prefix = nsName(lab, "");
  const longer = labsUp().map((l) => nsName(l, "")).filter((l) => l !== prefix && l.startsWith(prefix));
  const ours = list(NETNS_DIR).filter((n) => {
    if (!n.startsWith(prefix)) return false;
    const owner = ownerOf(n);
    return owner !== null ? owner === lab || owner === kernelLab(lab) : !longer.some((l) => n.startsWith(l));
  });
  // A namespaced node's namespace is NS.NAME (flatName): offered as NS/NAME, what commands take.
  return [...ours.map((n) => n.slice(prefix.length).replace(".", "/")).filter((n) => n !== "host"), "host"];
}

const ref = (f: string) => basename(f).replace(/\.(ya?ml|json)$/, "");

/** Lab names to start from: shipped, ./labs, and lab files (and directories) matching what is typed. */
function labFiles(cur: string): string[] {
  const out = [...shippedLabs().map(ref), ...list("labs").filter((f) => /\.(ya?ml|json)$/.test(f)).map(ref)];
  const dir = cur.includes("/") ? dirname(cur) : ".";
  for (const f of list(dir)) {
    const p = dir === "." && !cur.startsWith("./") ? f : join(dir, f);
    try {
      if (statSync(p).isDirectory()) out.push(`${p}/`);
      else if (/\.(ya?ml|json)$/.test(f)) out.push(p);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** What each command's positional arguments mean, by position (their choices, if any, are commander's). */
const ARGS: Record<string, ("file" | "up" | "node" | "target" | "logs")[]> = {
  validate: ["file", "file", "file", "file"],
  up: ["file"],
  graph: ["file"],
  doctor: ["file", "file", "file"],
  init: [],
  down: ["up"],
  test: ["up"],
  inspect: ["up", "node"],
  exec: ["up", "node"],
  shell: ["up", "node"],
  capture: ["up", "target"],
  logs: ["up", "logs"],
  clean: ["up"],
};

const flags = (o: Option) => [o.long, o.short].filter((x): x is string => !!x);

/** Candidates for the last of `words` (the words after `netlab`, the last one being typed). */
export function complete(program: Command, words: string[]): string[] {
  const cur = words[words.length - 1] ?? "";
  const done = words.slice(0, -1);
  const cmds = program.createHelp().visibleCommands(program); // not the hidden ones (dns-server, __complete)
  // One candidate a line: a name with a control character in it (a newline) cannot be one.
  const match = (xs: string[]) => [...new Set(xs)].filter((x) => x.startsWith(cur) && !/[\x00-\x1f\x7f]/.test(x));
  if (!done.length) return match(cur.startsWith("-") ? ["--help", "--version"] : cmds.map((c) => c.name()));
  const cmd = cmds.find((c) => c.name() === done[0]);
  if (!cmd) return [];
  const opts = cmd.options as Option[];
  const prev = opts.find((o) => flags(o).includes(done[done.length - 1]));
  if (prev?.argChoices) return match(prev.argChoices);
  if (prev?.long === "--from") return match(labFiles(cur));
  const takesValue = (w: string) => opts.some((o) => flags(o).includes(w) && (o.required || o.optional));
  if (cur.startsWith("-") && !done.includes("--")) return match([...opts.flatMap(flags), "--help"]);
  // Positional arguments typed so far: not options, not their values, not after `--`.
  const pos: string[] = [];
  for (let i = 1; i < done.length; i++) {
    if (done[i] === "--") return [];
    if (done[i].startsWith("-")) {
      if (takesValue(done[i])) i++;
      continue;
    }
    pos.push(done[i]);
  }
  const choices = cmd.registeredArguments[pos.length]?.argChoices;
  if (choices) return match(choices);
  const kind = ARGS[cmd.name()]?.[pos.length];
  if (!kind) return [];
  if (kind === "file") return match(labFiles(cur));
  if (kind === "up") return match(labsUp());
  const lab = pos[0];
  if (kind === "node") return match(nodesUp(lab));
  if (kind === "logs") return match(["dns", ...nodesUp(lab)]);
  return match(nodesUp(lab)); // capture: a node (NODE:IFACE and networks are typed)
}

/**
 * A word as bash's COMP_WORDS holds it — quoted as typed, maybe with a quote still open — read
 * as the shell will read it once the line is complete: quotes and backslashes removed, nothing
 * expanded (`$(…)` stays text: completion never runs what is on the line).
 */
export function dequote(word: string): string {
  let out = "";
  let quote: string | null = null;
  for (let i = 0; i < word.length; i++) {
    const ch = word[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else out += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === "\\" && i + 1 < word.length && '$`"\\'.includes(word[i + 1])) out += word[++i];
      else out += ch;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "\\" && i + 1 < word.length) out += word[++i];
    else out += ch;
  }
  return out;
}

/**
 * The script a shell sources: `source <(netlab completion bash)`. Candidates may be file names
 * another user chose (`x$(touch${IFS}pwned).yaml`), and each shell puts what it completes into a
 * line it will run. bash inserts its function's answers as they are unless told they are file
 * names (`-o filenames`): then readline quotes each for where it goes (bare, or inside '…' or
 * "…"). zsh's compadd and fish quote what they insert themselves. The word being typed reaches
 * `__complete` unquoted (bash: `--bash`; zsh: `(Q)`; fish: `string unescape`), so that `'x$(`
 * completes too.
 */
export function completionScript(shell: string, exe: string): string {
  const q = `'${exe.replace(/'/g, "'\\''")}'`;
  if (shell === "bash")
    return `# netlab completion for bash: source <(netlab completion bash), or save it in /etc/bash_completion.d/netlab
_netlab() {
  mapfile -t COMPREPLY < <(${q} __complete --bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -o filenames -F _netlab netlab
complete -o default -o filenames -F _netlab ${q}
`;
  if (shell === "zsh")
    return `#compdef netlab
# netlab completion for zsh: source <(netlab completion zsh) after compinit, or save it as _netlab in your $fpath
_netlab() {
  local -a candidates
  candidates=("\${(@f)$(${q} __complete -- "\${(@Q)words[2,CURRENT-1]}" "\${(Q)PREFIX}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _netlab netlab
`;
  return `# netlab completion for fish: netlab completion fish > ~/.config/fish/completions/netlab.fish
function __netlab_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct | string unescape)
    ${q} __complete -- $tokens[2..-1] "$cur" 2>/dev/null
end
complete -c netlab -f -a '(__netlab_complete)'
`;
}
