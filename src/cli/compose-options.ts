// The options of `docker compose` that decide what a Compose file means, on the netlab commands
// that read a lab file: --profile, --env-file, -p/--project-name.
import type { ComposeOptions } from "../compose/env.js";

export interface ComposeFlags {
  profile?: string[];
  envFile?: string[];
  projectName?: string;
}

/** The flags as the Compose front-end takes them (unset when none is given: the environment decides). */
export function composeOf(flags: ComposeFlags): ComposeOptions | undefined {
  if (!flags.profile?.length && !flags.envFile?.length && !flags.projectName) return undefined;
  return { profiles: flags.profile, envFiles: flags.envFile, projectName: flags.projectName };
}
