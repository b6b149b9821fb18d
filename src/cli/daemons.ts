// The commands whose process serves for a lab's life: `netlab dns-server` (up starts one per
// holder of networks with names) and `netlab serve` (labs' `run:` lines). Declared once, here:
// main.ts adds them to netlab's program, and bin/netlab runs them from a bundle of their own
// (dist/bundle/daemons.cjs, scripts/bundle.mjs), which holds only their code — a process that
// lives as long as its lab keeps no more than it needs — and starts from V8's cached code as
// the CLI does: every `up` waits for its DNS server to listen.
import { Command, Option } from "commander";
import { lazyFrom, runProgram } from "./run.js";

export function addDnsServer(program: Command): void {
  program
    .command("dns-server", { hidden: true })
    .description("the lab's DNS server (netlab up starts it)")
    .argument("<lab>", "a lab that is up (its name, or the file it came from)")
    .option("--in <node>", "serve the networks this node or virtual host holds (default: the lab's host's)")
    .action(lazyFrom(() => import("./commands/logs.js"), "dnsServerCmd"));
}

export function addServe(program: Command): void {
  program
    .command("serve")
    .description("a tiny server for labs: HTTP answers with the node name and the client address it saw")
    .addArgument(new Command().createArgument("<kind>", "http, tcp or udp").choices(["http", "tcp", "udp"]))
    .addOption(new Option("-p, --port <n>", "port to listen on").argParser((v) => Number(v)))
    .option("--host <addr>", "address to listen on", "::")
    .option("--name <name>", "name to answer with (default: $NETLAB_NODE, else the hostname)")
    .action(lazyFrom(() => import("./commands/serve.js"), "serveCmd"));
}

/** `netlab dns-server …` or `netlab serve …` run by bin/netlab from the daemons' bundle. */
export function main(): Promise<void> {
  const program = new Command("netlab").enablePositionalOptions().exitOverride();
  addDnsServer(program);
  addServe(program);
  return runProgram(program);
}
