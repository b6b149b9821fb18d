// docs/lab-format.md's commands section, generated from the command definitions themselves
// (main.ts's `program`, through commander's Help): every visible command, its arguments and
// options with their descriptions, choices and defaults, so the reference cannot fall behind.
import type { Command } from "commander";

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ").replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"));

/** The commands users run: visible ones, without commander's own `help`. */
export function documentedCommands(program: Command): Command[] {
  return program.createHelp().visibleCommands(program).filter((c) => c.name() !== "help");
}

type Arg = Command["registeredArguments"][number];
/** `<lab>`, `[node]`, `<files...>`: as usage lines write an argument. */
export const argTerm = (a: Arg): string => (a.required ? `<${a.name()}${a.variadic ? "..." : ""}>` : `[${a.name()}${a.variadic ? "..." : ""}]`);

/** `netlab up <lab> [options]`, as its heading shows it. */
export function commandTitle(c: Command): string {
  return ["netlab", c.name(), ...c.registeredArguments.map(argTerm), ...(c.options.length ? ["[options]"] : [])].join(" ");
}

/** One command: its heading, description, and a table of its arguments and options. */
function commandSection(c: Command): string {
  const help = c.createHelp();
  const rows = [
    ...c.registeredArguments.map((a) => [argTerm(a), help.argumentDescription(a)]),
    ...help.visibleOptions(c).filter((o) => o.long !== "--help").map((o) => [help.optionTerm(o), help.optionDescription(o)]),
  ];
  const table = rows.length ? ["", "| argument or option | meaning |", "|---|---|", ...rows.map(([t, d]) => `| \`${t}\` | ${cell(d)} |`)] : [];
  return [`#### \`${commandTitle(c)}\``, "", `${cell(c.description())}.`, ...table].join("\n");
}

/** The commands section: every command, in the order `netlab --help` lists them. */
export function commandsReference(program: Command): string {
  const help = program.createHelp();
  const global = help.visibleOptions(program).map((o) => `\`${help.optionTerm(o)}\` (${help.optionDescription(o)})`);
  return [
    `Every command takes \`-h, --help\`; \`netlab\` itself takes ${global.join(", ")}.`,
    "",
    ...documentedCommands(program).map(commandSection).join("\n\n").split("\n"),
  ].join("\n");
}
