// What the kernel holds in many network namespaces, read by one process (one per CPU past 250 namespaces). `ip -n NS …` costs a
// process per namespace (and, for `ip -n`, a copy of the mount table: with hundreds of
// namespaces mounted, ~8 ms each on a small VM), which would make a no-op `up` of a 200-node
// lab a second slower. Perl (perl-base is Essential on Debian and Ubuntu: always installed)
// enters each namespace in turn with setns(2) and asks rtnetlink for the same dumps `ip`
// prints: links (kind, master), addresses, routes of every table, ip rules, bridge FDB
// entries with a remote (VXLAN), root qdiscs; and the sysctls asked for: a device's from its
// link (IFLA_AF_SPEC, as `ip -d link` would), any other from /proc/sys/net, which shows the
// namespace the reader is in (a file opened per namespace costs more than all its dumps parsed).
// 200 namespaces take ~30 ms.
import { availableParallelism } from "node:os";
import { EnvError } from "../errors.js";
import { formatIfAddr, parseIfAddr } from "../net/ip.js";
import { normTable } from "../net/route.js";
import { devConf, procSys } from "../net/sysctl.js";
import { run } from "./proc.js";
import { timing } from "./timing.js";

/** One namespace as the kernel has it. Null fields of `sysctls`: no such file (its interface is gone). */
export interface LiveNs {
  /** The namespace file could not be opened: it is gone. */
  gone: boolean;
  /** `down`: set down (IFF_UP off), as ip link set … down leaves it. */
  links: Map<string, { kind: string; master?: string; down?: true }>;
  /** "DEV ADDR/LEN", canonical. */
  addrs: Set<string>;
  /** "TABLE DST/LEN". */
  routes: Set<string>;
  /** "DEV MAC DST". */
  fdb: Set<string>;
  /** "DEV KIND" of root qdiscs. */
  qdiscs: Set<string>;
  /** IPv4 and IPv6 ip rules other than the kernel's own (local, main, default); multicast routing's are not counted. */
  ipRules: number;
  sysctls: Map<string, string | null>;
}

// Message types and header sizes of linux/rtnetlink.h; AF_NETLINK 16, SOCK_RAW 3. No modules (Socket alone
// doubles perl's start-up): IPv6 addresses come out as eight groups, spelled canonically below.
// The setns(2) number comes as its argument.
const PERL = String.raw`
my $nr = $ARGV[0];
open(my $self, "<", "/proc/self/ns/net") or die "/proc/self/ns/net: $!\n";
# Attributes by type; only those in %$w when given (a link has ~40, netlab reads 4).
sub attrs { my ($b, $w) = @_; my %a; my ($o, $n) = (0, length $b);
  while ($o + 4 <= $n) { my ($l, $t) = unpack("SS", substr($b, $o, 4)); last if $l < 4; $t &= 0x3fff; $a{$t} = substr($b, $o + 4, $l - 4) if !$w || $w->{$t}; $o += ($l + 3) & ~3; }
  return \%a; }
my %LINK = (3 => 1, 10 => 1, 18 => 1); my %LINKAF = (%LINK, 26 => 1);
# A device's IPv4 (IFLA_INET_CONF, slots from 1) or IPv6 (IFLA_INET6_CONF, from 0) setting from its IFLA_AF_SPEC, as /proc/sys prints it.
sub conf { my ($af, $fam, $i) = @_; return undef unless defined $af; my $f = attrs($af)->{$fam} // return undef;
  my $c = attrs($f)->{$fam == 2 ? 1 : 2} // return undef; $i-- if $fam == 2; return $i * 4 + 4 <= length $c ? unpack("l", substr($c, $i * 4, 4)) : undef; }
sub dump_ { my ($s, $type, $fam, $hlen, $x) = @_; my $body = pack("C", $fam) . ("\0" x ($hlen - 1)) . ($x // "");
  send($s, pack("LSSLL", 16 + length $body, $type, 0x301, 1, 0) . $body, 0) or die "netlink send: $!\n"; my @m;
  while (1) { my $b; defined recv($s, $b, 1 << 20, 0) or die "netlink recv: $!\n"; my $o = 0;
    while ($o + 16 <= length $b) { my ($len, $t) = unpack("LS", substr($b, $o, 6)); return \@m if $t == 3;
      die "netlink dump $type: error " . -unpack("l", substr($b, $o + 16, 4)) . "\n" if $t == 2; push @m, substr($b, $o + 16, $len - 16); $o += ($len + 3) & ~3; } } }
sub ntop { my ($a) = @_; return length $a == 4 ? join(".", unpack("C4", $a)) : join(":", map { sprintf "%x", $_ } unpack("n8", $a)); }
# Each namespace is read as soon as its lines are in: a list longer than the pipe holds is not
# waited for whole.
my $t;
while (my $l = <STDIN>) { chomp $l; if ($l =~ /^@ (\S*) (.*)$/) { one(@$t) if $t; $t = [$2, [], $1]; } elsif ($l =~ /^s (\S+) (\S+)$/) { push @{$t->[1]}, [$1, $2]; }
  elsif ($l =~ /^c (\S+) (\S+) (\d+) (\d+) (\S+)$/) { push @{$t->[1]}, [$1, $5, $2, $3, $4]; } }
one(@$t) if $t;
syscall($nr, fileno($self), 0x40000000);
sub one { my ($path, $sys, $want) = @_; my $fh;
  if ($path eq "self") { $fh = $self; } elsif (!open($fh, "<", $path)) { print "@ $path\tgone\n"; return; }
  # A /run/netns entry that is no longer a namespace (unmounted, a stale file) is as good as gone.
  if (syscall($nr, fileno($fh), 0x40000000) != 0) { print "@ $path\tgone\n"; return; }
  socket(my $s, 16, 3, 0) or die "netlink socket: $!\n"; print "@ $path\n";
  # IFLA_AF_SPEC kept only for the devices whose settings are asked (a star's host has 1,000 links).
  my (%name, %master, %kind, %af, %up); my %dev = map {; $_->[2] ? ($_->[2] => 1) : () } @$sys; my $w = %dev ? \%LINKAF : \%LINK;
  # IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS, as ip link without -s: the kernel leaves out IPv6's per-device statistics (summed over every CPU while it holds the RTNL lock).
  for my $m (@{dump_($s, 18, 0, 16, pack("SSL", 8, 29, 8))}) { my ($i, $fl) = unpack("x4lL", $m);
    # lo is skipped by name (IFLA_IFNAME comes first): its other ~40 attributes are not parsed.
    if (unpack("x16x2S", $m) == 3 && unpack("x20Z*", $m) eq "lo") { $name{$i} = "lo"; next; }
    my $a = attrs(substr($m, 16), $w); $name{$i} = unpack("Z*", $a->{3}); $af{$name{$i}} = $a->{26} if $dev{$name{$i}};
    $up{$i} = $fl & 1; $master{$i} = $a->{10} ? unpack("L", $a->{10}) : 0; $kind{$i} = $a->{18} ? unpack("Z*", attrs($a->{18})->{1} // "-") : "-"; }
  for my $i (sort { $a <=> $b } keys %name) { next if $name{$i} eq "lo"; print "L\t$name{$i}\t$kind{$i}\t" . ($master{$i} ? $name{$master{$i}} // "?" : "") . ($up{$i} ? "" : "\tdown") . "\n"; }
  # a, r: IPv4's alone (the lab expects no IPv6 address or route there); A, R: all.
  if ($want =~ /A/i) { for my $m (@{dump_($s, 22, $want =~ /a/ ? 2 : 0, 8)}) { my ($f, $pl, $fl, $sc, $i) = unpack("CCCCL", $m); next if ($name{$i} // "") eq "lo"; my $a = attrs(substr($m, 8)); my $ad = $a->{2} // $a->{1} // next; print "A\t" . ($name{$i} // "?") . "\t" . ntop($ad) . "/$pl\n"; } }
  if ($want =~ /R/i) { for my $m (@{dump_($s, 26, $want =~ /r/ ? 2 : 0, 12)}) { my ($f, $dl, $sl, $tos, $tb, $pr) = unpack("C6", $m); next if $pr == 2; my $a = attrs(substr($m, 12)); $tb = unpack("L", $a->{15}) if $a->{15};
    print "R\t$tb\t" . ($a->{1} ? ntop($a->{1}) : $f == 2 ? "0.0.0.0" : "::") . "/$dl\n"; } }
  if ($want =~ /U/) { my $n = 0; for my $m (@{dump_($s, 34, 0, 12)}) { my ($fam, $tb) = unpack("Cx3C", $m); next unless $fam == 2 || $fam == 10; my $a = attrs(substr($m, 12)); $tb = unpack("L", $a->{15}) if $a->{15}; my $p = $a->{6} ? unpack("L", $a->{6}) : 0;
    $n++ unless ($p == 0 && $tb == 255) || ($p == 32766 && $tb == 254) || ($p == 32767 && $tb == 253); } print "U\t$n\n"; }
  if ($want =~ /F/) { for my $m (@{dump_($s, 30, 7, 12)}) { my ($i) = unpack("x4l", $m); my $a = attrs(substr($m, 12)); next unless $a->{1} && $a->{2};
    print "F\t" . ($name{$i} // "?") . "\t" . join(":", map { sprintf "%02x", $_ } unpack("C6", $a->{2})) . "\t" . ntop($a->{1}) . "\n"; } }
  if ($want =~ /Q/) { for my $m (@{dump_($s, 38, 0, 20)}) { my ($i, $h, $p) = unpack("x4lLL", $m); next unless $p == 0xffffffff; my $a = attrs(substr($m, 20)); print "Q\t" . ($name{$i} // "?") . "\t" . unpack("Z*", $a->{1} // "") . "\n"; } }
  for my $k (@$sys) { my $v = $k->[2] ? conf($af{$k->[2]}, $k->[3], $k->[4]) : undef;
    if (!defined $v) { $v = "-"; if (open(my $sf, "<", $k->[1])) { $v = <$sf> // "-"; chomp $v; close $sf; } } print "S\t$k->[0]\t$v\n"; }
  close $s; close $fh unless $path eq "self"; }
`;

/** setns(2) by architecture (Node's names). */
const SETNS: Record<string, number> = { x64: 308, arm64: 268, riscv64: 268, loong64: 268, arm: 375, ia32: 346, ppc64: 350, s390x: 339 };

/** A namespace to read: its file ("/run/netns/NAME", "/proc/1/ns/net"), or "self" for netlab's own; and the sysctls to read there. */
export interface DumpTarget {
  path: string;
  sysctls: string[];
  /** Besides links: addresses, routes (of IPv4 alone: "ipv4"), ip rules, FDB entries, qdiscs (each a dump, only where wanted). */
  want: { addrs?: boolean | "ipv4"; routes?: boolean | "ipv4"; ipRules?: boolean; fdb?: boolean; qdiscs?: boolean };
  /** How long it takes to read, against a small node's 1 (the lab's links there: a star's host holds 1,000). */
  weight?: number;
}

/** Namespaces one reader takes before a second one (on another CPU) shares the work: 0.4 ms each on the development VM. */
const PER_READER = 250;

/** The reads asked for in this turn of the event loop, read together when it ends. */
let batch: { targets: DumpTarget[]; waiting: { from: number; count: number; done: (l: LiveNs[]) => void; fail: (e: unknown) => void }[] } | null = null;

/**
 * Reads every target. Reads asked for in the same turn of the event loop (`status`'s labs, each
 * read for what was removed by hand) are read by the same process — or, past PER_READER
 * namespaces, by one per CPU, each a slice in order (a no-op `up` of 1,000 nodes: ~0.4 s in one).
 * Throws EnvError when perl is missing or cannot enter a namespace (not root).
 */
export function dumpNamespaces(targets: DumpTarget[]): Promise<LiveNs[]> {
  if (!targets.length) return Promise.resolve([]);
  if (!batch) {
    batch = { targets: [], waiting: [] };
    setImmediate(readBatch);
  }
  const b = batch;
  return new Promise((done, fail) => {
    b.waiting.push({ from: b.targets.length, count: targets.length, done, fail });
    b.targets.push(...targets);
  });
}

async function readBatch(): Promise<void> {
  const { targets, waiting } = batch!;
  batch = null;
  try {
    const readers = Math.max(1, Math.min(availableParallelism(), Math.ceil(targets.length / PER_READER)));
    const slices = byWeight(targets, readers);
    timing(`netdump: ${slices.length} readers`);
    const live = (await Promise.all(slices.map(dumpSome))).flat();
    timing(`netdump: ${targets.length} namespaces read`);
    for (const w of waiting) w.done(live.slice(w.from, w.from + w.count));
  } catch (e) {
    // One lab's namespace the reader could not read fails that lab only: each read again alone.
    if (waiting.length === 1) return waiting[0].fail(e);
    for (const w of waiting) dumpSome(targets.slice(w.from, w.from + w.count)).then(w.done, w.fail);
  }
}

/** `targets` in `n` slices in order, each of about the same weight (a star's host is ~500 of its nodes). */
function byWeight(targets: DumpTarget[], n: number): DumpTarget[][] {
  const total = targets.reduce((s, t) => s + (t.weight ?? 1), 0);
  const slices: DumpTarget[][] = [[]];
  let sum = 0;
  for (const t of targets) {
    if (sum >= (total * slices.length) / n && slices.at(-1)!.length) slices.push([]);
    slices.at(-1)!.push(t);
    sum += t.weight ?? 1;
  }
  return slices;
}

function dumpSome(targets: DumpTarget[]): Promise<LiveNs[]> {
  return runReader(readerInput(targets), targets.length);
}

/** What a reader is asked on its stdin: per target an "@ FLAGS PATH" line, then its sysctls' (sysctlLine). Exported for tests. */
export function readerInput(targets: DumpTarget[]): string {
  const flags = (w: DumpTarget["want"]) => `${w.addrs === "ipv4" ? "a" : w.addrs ? "A" : ""}${w.routes === "ipv4" ? "r" : w.routes ? "R" : ""}${w.ipRules ? "U" : ""}${w.fdb ? "F" : ""}${w.qdiscs ? "Q" : ""}`;
  return targets.map((t) => [`@ ${flags(t.want)} ${t.path}`, ...t.sysctls.map(sysctlLine)].join("\n")).join("\n") + "\n";
}

/** One reader's answer to `input` (readerInput) for `count` targets. Exported for tests. */
export async function runReader(input: string, count: number): Promise<LiveNs[]> {
  const nr = SETNS[process.arch];
  if (!nr) throw new EnvError(`cannot read the lab's namespaces: netlab does not know setns(2) on ${process.arch}`);
  const t0 = Date.now();
  const r = await run(["perl", "-e", PERL, String(nr)], input);
  timing(`netdump: a reader of ${count}: ${Date.now() - t0} ms`);
  if (r.code !== 0) throw new EnvError(`cannot read the lab's namespaces: ${r.stderr.trim() || `perl exited with ${r.code}`}`, r.code === 127 ? "install perl (Debian/Ubuntu: perl-base)" : "run it as root");
  return parseDump(r.stdout, count);
}

/** A sysctl to read: a device's from its link dump ("c KEY DEV FAMILY SLOT FILE"), else its /proc/sys file ("s KEY FILE"). */
function sysctlLine(key: string): string {
  let line = lines.get(key);
  if (line === undefined) {
    const c = devConf(key);
    line = c ? `c ${key} ${c.dev} ${c.family} ${c.index} ${procSys(key)}` : `s ${key} ${procSys(key)}`;
    lines.set(key, line);
  }
  return line;
}
// Once per key: a star's 1,000 nodes ask the same one, and each costs ~7 us parsed afresh (~9 ms in all, profiled).
const lines = new Map<string, string>();

/** Parses the helper's lines into one LiveNs per target, in order. Exported for tests. */
export function parseDump(text: string, count: number): LiveNs[] {
  const out: LiveNs[] = [];
  let cur: LiveNs | undefined;
  for (const line of text.split("\n")) {
    const f = line.split("\t");
    if (line.startsWith("@ ")) {
      cur = { gone: f[1] === "gone", links: new Map(), addrs: new Set(), routes: new Set(), fdb: new Set(), qdiscs: new Set(), ipRules: 0, sysctls: new Map() };
      out.push(cur);
    } else if (!cur) continue;
    else if (f[0] === "L") cur.links.set(f[1], { kind: f[2] === "-" ? "" : f[2], ...(f[3] ? { master: f[3] } : {}), ...(f[4] === "down" ? { down: true } : {}) });
    else if (f[0] === "A") cur.addrs.add(`${f[1]} ${canon(f[2])}`);
    else if (f[0] === "R") cur.routes.add(`${normTable(f[1])} ${canon(f[2])}`);
    else if (f[0] === "U") cur.ipRules = Number(f[1]);
    else if (f[0] === "F") cur.fdb.add(`${f[1]} ${f[2]} ${canon(f[3])}`);
    else if (f[0] === "Q") cur.qdiscs.add(`${f[1]} ${f[2]}`);
    else if (f[0] === "S") cur.sysctls.set(f[1], f[2] === "-" ? null : f.slice(2).join("\t")); // ip_local_port_range: "20000\t30000"
  }
  if (out.length !== count) throw new EnvError(`cannot read the lab's namespaces: ${out.length} of ${count} answered`);
  return out;
}

/** IPv6 addresses in the kernel's spelling (RFC 5952, as `ip` prints them): the helper writes all eight groups. */
function canon(a: string): string {
  if (!a.includes(":")) return a;
  const [addr, len] = a.split("/");
  const p = parseIfAddr(`${addr}/128`);
  return p ? formatIfAddr(p).replace(/\/128$/, len === undefined ? "" : `/${len}`) : a;
}
