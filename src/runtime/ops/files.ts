// Name files: written asynchronously (creating one can cost a millisecond of kernel time on
// some disks, and the event loop meanwhile feeds the shell workers), below FILES_ROOT only once
// it is verified root's own, never through a symbolic link someone left in their place.
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { FILES_ROOT } from "../../state/paths.js";
import { secureDir } from "../../state/store.js";

let filesRootChecked = false;
export function guardFilesRoot(path: string): void {
  if (filesRootChecked || !path.startsWith(FILES_ROOT + "/")) return;
  secureDir(FILES_ROOT);
  filesRootChecked = true;
}

export async function writeNoFollow(path: string, content: string): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
}

/** Creates path's directory only when the first try says it is missing. */
export async function inDir(path: string, make: () => Promise<void>): Promise<void> {
  try {
    await make();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await make();
  }
}

export const dirOf = (path: string) => path.replace(/\/[^/]*$/, "");
