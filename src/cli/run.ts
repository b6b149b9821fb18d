// Running a command line: what every netlab process does first, whichever program it runs —
// the whole CLI (main.ts) or the commands that serve for a lab's life (daemons.ts).
import { CommanderError, type Command } from "commander";
import { appendFileSync } from "node:fs";
import { closeInheritedFds } from "../runtime/fds.js";
import { timing } from "../runtime/timing.js";

type Action = (...args: never[]) => Promise<number | void>;

/** A command's action from a module imported only when it runs; its number is the exit status. */
export const lazyFrom = (load: () => Promise<unknown>, fn: string) =>
  async (...args: unknown[]) => {
    const m = (await load()) as Record<string, Action>;
    timing("command loaded");
    const code = await (m[fn] as (...a: unknown[]) => Promise<number | void>)(...args);
    process.exitCode = code ?? 0;
  };

/** Parses the process's arguments with `program` and runs the command; errors become messages and exit statuses. */
export async function runProgram(program: Command): Promise<void> {
  timing("netlab's code loaded");
  // What the caller had open beyond 0-2 is not for the tools, daemons and commands netlab starts.
  closeInheritedFds();
  // Root runs this: whatever the caller's umask, nothing netlab writes is writable by others
  // (its state and name files set their modes explicitly too).
  process.umask(0o022);
  // `netlab inspect LAB | head`: a reader that stops early is not an error. The rest of the
  // output is dropped and the command finishes its work: an `up | head` must not stop halfway.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
    });
  // scripts/bench reads netlab's peak memory from here.
  if (process.env.NETLAB_MAXRSS_FILE) {
    const file = process.env.NETLAB_MAXRSS_FILE;
    process.on("exit", () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
  }
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; wrong usage exits 2 like any other bad input.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const { reportError } = await import("./output.js");
    process.exitCode = reportError(e);
  }
}
