// The variables a Compose file is interpolated with, as Compose gathers them: the `.env` file
// beside the Compose file (or the `--env-file` files instead), under the process environment,
// which wins. COMPOSE_PROJECT_NAME and COMPOSE_PROFILES may come from either.
import { opaqueInput } from "../lab/inputs.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Problem } from "../errors.js";
import { parseDotenv, type DotenvProblem } from "./dotenv.js";
import type { Lookup } from "./interpolate.js";

/** What the command line says about a Compose file (netlab's flags mirror `docker compose`'s). */
export interface ComposeOptions {
  /** `--profile`, repeatable; else COMPOSE_PROFILES. "*" enables every profile. */
  profiles?: string[];
  /** `--env-file`, repeatable: read instead of the `.env` beside the file (later files win). */
  envFiles?: string[];
  /** `-p, --project-name`; else COMPOSE_PROJECT_NAME, `name:`, the directory. */
  projectName?: string;
  /** Prefixes the host already routes: automatic subnets skip them (`up` fills this in). */
  avoid?: string[];
  /** The process environment (tests pass their own). */
  environment?: Record<string, string | undefined>;
}

export interface ComposeEnv {
  lookup: Lookup;
  /** Files read, for messages. */
  files: string[];
  problems: Problem[];
}

/** Reads the env files of a Compose file at `composeFile`. Problems are located in the env file itself. */
export function composeEnv(composeFile: string, opts: ComposeOptions = {}): ComposeEnv {
  opaqueInput(); // the environment, and which env files exist
  const env = opts.environment ?? process.env;
  const outer: Lookup = (k) => (Object.prototype.hasOwnProperty.call(env, k) ? env[k] : undefined);
  const problems: Problem[] = [];
  const given = opts.envFiles?.length ? opts.envFiles.map((f) => resolve(f)) : null;
  const beside = join(dirname(resolve(composeFile)), ".env");
  const files = given ?? (existsSync(beside) && statSync(beside).isFile() ? [beside] : []);
  const vars = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      problems.push({ key: [], message: `cannot read the env file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, hint: "--env-file names a file of KEY=VALUE lines" });
      continue;
    }
    const found: DotenvProblem[] = [];
    parseDotenv(text, outer, vars, found);
    for (const p of found) problems.push({ loc: { file, line: p.line, column: 1 }, key: [], message: p.message, hint: "write KEY=VALUE, one a line" });
  }
  return { lookup: (k) => outer(k) ?? vars.get(k), files, problems };
}
