// A TCP prober that lives inside one namespace for a whole matrix: a Perl (perl-base, on every
// Debian and Ubuntu) reading requests on stdin and opening non-blocking connections — every
// target of a request at once, no process per probe (a 500-pod matrix is 249,500 of them; a
// fork and exec of nc each would cost minutes). Non-blocking matters: a REJECT's ICMP answer
// comes back through the veth before a blocking connect(2) lets go of its socket, and the kernel
// then takes it as a soft error and retries the SYN a second later (bash's /dev/tcp waits so).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { ApplyError } from "../errors.js";

// `p MS PORT IP…`: a connection to each, all at once; "IP ." for each that connects within MS
// milliseconds, "IP X" for the others, then "end". `f`: the namespace forgets its neighbours (the
// probes' ARP entries: the kernel's table is one for all namespaces, and small), then "end".
const SCRIPT = String.raw`
use strict; use Socket; use IO::Handle; use Errno qw(EINPROGRESS);
STDOUT->autoflush(1);
while (my $line = <STDIN>) {
  chomp $line;
  my ($cmd, $ms, $port, @ips) = split / /, $line;
  if ($cmd eq "f") { system("ip", "neigh", "flush", "all"); print "end\n"; next; }
  while (my @chunk = splice(@ips, 0, 400)) {
    my (%open, %cell); my $want = "";
    for my $ip (@chunk) {
      my $s; $cell{$ip} = "X";
      socket($s, PF_INET, SOCK_STREAM, 0) or next;
      $s->blocking(0);
      if (connect($s, sockaddr_in($port, inet_aton($ip)))) { $cell{$ip} = "."; close $s; next; }
      next unless $! == EINPROGRESS;
      $open{fileno $s} = [$s, $ip]; vec($want, fileno $s, 1) = 1;
    }
    my $left = $ms / 1000;
    while (%open && $left > 0) {
      my ($n, $rest) = select(undef, my $ready = $want, undef, $left);
      $left = $rest;
      last if $n <= 0;
      for my $fd (keys %open) {
        next unless vec($ready, $fd, 1);
        my ($s, $ip) = @{$open{$fd}};
        $cell{$ip} = unpack("i", getsockopt($s, SOL_SOCKET, SO_ERROR)) == 0 ? "." : "X";
        vec($want, $fd, 1) = 0; delete $open{$fd}; close $s;
      }
    }
    close $_->[0] for values %open;
    print "$_ $cell{$_}\n" for @chunk;
  }
  print "end\n";
}`;

type Cell = "." | "X";

/** What a request came to: answered ("end"), silent too long, or its prober gone. */
type Outcome = "end" | "hung" | "dead";

export class Prober {
  private proc!: ChildProcessWithoutNullStreams;
  private lines: ((line: string | Outcome) => void) | null = null;
  private stderr = "";
  private gone: string | null = null;
  private closed = false;

  /** `enter`: the argv prefix that runs a command inside the namespace (ip netns exec NS); `who`: its name, for errors. */
  constructor(private readonly enter: string[], private readonly who = enter.at(-1) ?? "") {
    this.start();
  }

  private start(): void {
    this.gone = null;
    this.stderr = "";
    this.proc = spawn(this.enter[0], [...this.enter.slice(1), "perl", "-e", SCRIPT], { stdio: "pipe", detached: true });
    const proc = this.proc;
    const died = (why: string) => {
      if (proc !== this.proc) return; // one killed for hanging: its successor answers
      this.gone = why;
      this.lines?.("dead");
    };
    proc.on("error", (e) => died(e.message));
    proc.on("close", (code, signal) => died(this.stderr.trim() || `it exited (${signal ?? `status ${code}`})`)); // close: after its stderr is read
    proc.stdin.on("error", () => {}); // written to after it died: "exit" says why
    proc.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    createInterface({ input: proc.stdout }).on("line", (l) => this.lines?.(l));
  }

  /**
   * Connects to every address on `port` at once; one not connected within `timeoutMs` is X.
   * Map: address → cell. ApplyError when the prober cannot run there (no perl, the namespace gone).
   */
  async probe(port: number, ips: string[], timeoutMs = 1000): Promise<Map<string, Cell>> {
    const out = new Map<string, Cell>();
    // Its own timeout answers for silent targets; this one only for a prober that hangs.
    const r = await this.request(`p ${timeoutMs} ${port} ${ips.join(" ")}`, timeoutMs + 5000, (l) => {
      const [ip, cell] = l.split(" ");
      out.set(ip, cell as Cell);
    });
    if (r === "hung") this.restart();
    for (const ip of ips) if (!out.has(ip)) out.set(ip, "X");
    return out;
  }

  /** Forgets the namespace's neighbour entries. */
  async flush(): Promise<void> {
    if ((await this.request("f", 5000, () => {})) === "hung") this.restart();
  }

  /** Ends it; it takes no more requests. */
  close(): void {
    this.closed = true;
    this.kill();
  }

  /** Sends one request; resolves how it ended (hung: no line for `timeoutMs` before its "end"). */
  private request(line: string, timeoutMs: number, onLine: (l: string) => void): Promise<Outcome> {
    if (this.closed) throw new Error(`the prober in ${this.who} was closed`);
    if (this.gone) throw this.failure();
    return new Promise((done, fail) => {
      let timer = setTimeout(() => finish("hung"), timeoutMs);
      const finish = (o: Outcome) => {
        clearTimeout(timer);
        this.lines = null;
        if (o === "dead") fail(this.failure());
        else done(o);
      };
      this.lines = (l) => {
        if (l === "end" || l === "dead") return finish(l);
        clearTimeout(timer);
        timer = setTimeout(() => finish("hung"), timeoutMs);
        onLine(l);
      };
      this.proc.stdin.write(`${line}\n`);
    });
  }

  private failure(): ApplyError {
    return new ApplyError(`the matrix could not probe from ${this.who}: its prober stopped`, `${this.enter.join(" ")} perl -e …`, this.gone ?? "", "is perl there (perl-base), and the namespace? netlab status LAB");
  }

  private restart(): void {
    this.kill();
    if (!this.closed) this.start();
  }

  private kill(): void {
    try {
      if (this.proc.pid) process.kill(-this.proc.pid, "SIGKILL"); // its group: ip netns exec and the perl under it
    } catch {
      /* gone already */
    }
  }
}
