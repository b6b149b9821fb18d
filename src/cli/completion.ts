// Shell completion: each shell's script hands the words typed so far to the hidden
// `netlab __complete`, which answers from the command definitions (commands, options, choices),
// the lab files (shipped, ./labs, files here) and what is up: labs from /run/netlab, a lab's
// nodes from its namespaces' names under /run/netns — both readable without root, so
// completion works for `sudo netlab exec LAB <TAB>` typed by a user.
import type { Command, Option } from "commander";
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { shippedLabs } from "../lab/find.js";
import { NETNS_DIR, STATE_ROOT } from "../state/paths.js";
import { LAB_NAME, nsName } from "../net/names.js";

const list = (d: string): string[] => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};

/** Labs that are up: their state directories. */
export const labsUp = (): string[] => list(STATE_ROOT).filter((n) => !n.startsWith(".") && LAB_NAME.test(n));

/** A lab's nodes, from its namespaces (`LAB-NODE`; not those of a lab up whose name extends LAB's, like `LAB-b`), and host. */
export function nodesUp(lab: string): string[] {
  const prefix = nsName(lab, "");
  const longer = labsUp().map((l) => nsName(l, "")).filter((l) => l !== prefix && l.startsWith(prefix));
  const ours = list(NETNS_DIR).filter((n) => n.startsWith(prefix) && !longer.some((l) => n.startsWith(l)));
  return [...ours.map((n) => n.slice(prefix.length)).filter((n) => n !== "host"), "host"];
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
  const match = (xs: string[]) => [...new Set(xs)].filter((x) => x.startsWith(cur));
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

/** The script a shell sources: `source <(netlab completion bash)`. */
export function completionScript(shell: string, exe: string): string {
  const q = `'${exe.replace(/'/g, "'\\''")}'`;
  if (shell === "bash")
    return `# netlab completion for bash: source <(netlab completion bash), or save it in /etc/bash_completion.d/netlab
_netlab() {
  local IFS=$'\\n'
  COMPREPLY=($(${q} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _netlab netlab
complete -o default -F _netlab ${q}
`;
  if (shell === "zsh")
    return `#compdef netlab
# netlab completion for zsh: source <(netlab completion zsh) after compinit, or save it as _netlab in your $fpath
_netlab() {
  local -a candidates
  candidates=("\${(@f)$(${q} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _netlab netlab
`;
  return `# netlab completion for fish: netlab completion fish > ~/.config/fish/completions/netlab.fish
function __netlab_complete
    set -l tokens (commandline -opc) (commandline -ct)
    ${q} __complete -- $tokens[2..-1] 2>/dev/null
end
complete -c netlab -f -a '(__netlab_complete)'
`;
}
