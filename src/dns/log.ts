// The DNS server's query log (`netlab logs LAB --dns`). Anyone who can send a packet to the
// server writes into it, so it is bounded and made harmless:
// - one descriptor, opened once: answering never opens a file (with its descriptors exhausted
//   the server would stop answering, not only logging);
// - rotated at a size cap, dns.log → dns.log.1, so it never holds more than twice the cap on
//   the lab's tmpfs;
// - names escaped as dig prints them (`\027` for ESC): a query name cannot ring the bell, move
//   the cursor or forge a line of its own;
// - lines about queries from outside the lab (refused, malformed, dropped) rate-limited: at
//   most N a second, then one line saying how many were left out.
import { closeSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";

export interface LogLimits {
  /** Bytes of dns.log before it becomes dns.log.1. */
  maxBytes: number;
  /** Lines a second about queries from outside the lab; the rest are counted. */
  outsidePerSecond: number;
}

export const LOG_LIMITS: LogLimits = { maxBytes: 4 * 2 ** 20, outsidePerSecond: 20 };

/** Where the server writes what it was asked: `line` for lab nodes, `outside` for everyone else (rate-limited). */
export interface DnsLog {
  line(text: string): void;
  outside(text: string): void;
}

/**
 * A DNS name as dig prints it: printable ASCII as is, a backslash as `\\`, every other byte
 * (control characters, space, bytes past 0x7e) as `\DDD` in decimal.
 */
export function escapeName(name: string): string {
  if (/^[\x21-\x5b\x5d-\x7e]*$/.test(name)) return name;
  let out = "";
  for (const b of Buffer.from(name, "utf8")) out += b === 0x5c ? "\\\\" : b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\${String(b).padStart(3, "0")}`;
  return out;
}

export class QueryLog implements DnsLog {
  private fd: number | null = null;
  private size = 0;
  private second = 0;
  private inSecond = 0;
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Opens (appends to) `file`, mode 0600. Throws when it cannot: the server then does not start. */
  constructor(
    readonly file: string,
    private readonly limits: LogLimits = LOG_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.fd = openSync(file, "a", 0o600);
    this.size = fstatSync(this.fd).size;
  }

  line(text: string): void {
    this.write(`${new Date(this.now()).toISOString()} ${text}\n`);
  }

  outside(text: string): void {
    const sec = Math.floor(this.now() / 1000);
    if (sec !== this.second) {
      this.flushSuppressed();
      this.second = sec;
      this.inSecond = 0;
    }
    if (this.inSecond++ < this.limits.outsidePerSecond) return this.line(text);
    this.suppressed++;
    // Said when the second is over, even if nothing else comes.
    this.timer ??= setTimeout(() => this.flushSuppressed(), 1000).unref();
  }

  close(): void {
    this.flushSuppressed();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private flushSuppressed(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.suppressed) return;
    const n = this.suppressed;
    this.suppressed = 0;
    this.line(`(suppressed ${n} more line${n === 1 ? "" : "s"} about queries from outside the lab: at most ${this.limits.outsidePerSecond} a second are logged)`);
  }

  private write(text: string): void {
    const b = Buffer.from(text);
    if (this.size + b.length > this.limits.maxBytes && this.size > 0) this.rotate();
    if (this.fd === null) return;
    try {
      writeSync(this.fd, b);
      this.size += b.length;
    } catch {
      /* a full tmpfs: the answer matters more than its log line */
    }
  }

  /** dns.log → dns.log.1 (replacing it), and a new dns.log. Lines are dropped while the new one cannot be opened: the cap holds. */
  private rotate(): void {
    try {
      if (this.fd !== null) renameSync(this.file, `${this.file}.1`);
    } catch {
      /* gone already (someone removed it): open a new one all the same */
    }
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    try {
      this.fd = openSync(this.file, "a", 0o600);
      this.size = fstatSync(this.fd).size;
    } catch {
      this.size = this.limits.maxBytes; // try again at the next line
    }
  }
}
