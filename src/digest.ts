// SHA-256 and random bytes, with node:crypto loaded on first use: loading it (streams and all)
// costs a command 2-3 ms, and `status` or `validate` computes no hash on most runs (docs/startup.md).
import { createRequire } from "node:module";

type Crypto = typeof import("node:crypto");
let crypto: Crypto | undefined;
const nodeCrypto = (): Crypto => (crypto ??= createRequire(import.meta.url)("node:crypto") as Crypto);

/** SHA-256 of a text (as UTF-8) or of bytes: 32 bytes. */
export const sha256 = (data: string | Uint8Array): Buffer => nodeCrypto().createHash("sha256").update(data).digest();

/** `n` random bytes as 2n hex digits. */
export const randomHex = (n: number): string => nodeCrypto().randomBytes(n).toString("hex");

/** A random integer in [0, max). */
export const randomBelow = (max: number): number => nodeCrypto().randomInt(max);
