// netlab's command line. Only commander loads up front; each command's module is
// imported when it runs, so `netlab --version` and `netlab status` start fast.
// This module is also imported for its `program` alone (docs/lab-format.md's commands section is
// generated from it): nothing at its top level may act on the process — that goes in main().
import { Command, Option } from "commander";
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { addDnsServer, addServe } from "./daemons.js";
import { lazyFrom, runProgram } from "./run.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const lazy = (mod: string, fn: string) => lazyFrom(() => import(`./commands/${mod}.js`), fn);

/** Compose's own flags, on the commands that read a lab file (for a Compose file; a lab file ignores them). */
const collect = (v: string, prev: string[] = []) => [...prev, v];
const withCompose = (cmd: Command) =>
  cmd
    .option("--profile <name>", "Compose file: enable a profile (repeatable; default COMPOSE_PROFILES)", collect)
    .option("--env-file <file>", "Compose file: read variables from this file instead of .env beside it (repeatable)", collect)
    .option("-p, --project-name <name>", "Compose file: the project's name (default COMPOSE_PROJECT_NAME, name:, the directory)");

export const program = new Command("netlab")
  .description("Declarative Linux network labs: namespaces, veths, bridges, routes and iptables, brought up, checked and torn down exactly.")
  .version(pkg.version, "-V, --version")
  .enablePositionalOptions()
  .showSuggestionAfterError()
  .exitOverride();

withCompose(program
  .command("validate")
  .description("check lab files (schema and semantics); touches nothing")
  .argument("<files...>", "lab files or lab names")
  .option("--json", "machine-readable result"))
  .action(lazy("validate", "validateCmd"));

program
  .command("init")
  .description("write a new lab file: a small commented starter, or a copy of a shipped lab")
  .argument("[file]", "where to write it (default lab.yaml, or LAB.yaml with --from)")
  .option("--from <lab>", "copy this lab (a shipped lab's name, or a path)")
  .option("--force", "overwrite the file if it exists")
  .action(lazy("init", "initCmd"));

withCompose(program
  .command("up")
  .description("create a lab's namespaces, links, addresses, routes and rules")
  .argument("<lab>", "a lab file, ./NAME.yaml, ./labs/NAME.yaml, or a shipped lab")
  .option("--isolated", "make the lab's host a namespace of its own: nothing changes where netlab runs")
  .option("--dry-run", "print the exact commands as a shell script and touch nothing")
  .option("--json", "print the result as JSON")
  .option("--test", "then wait for `run` services and run the lab's checks (exit 1 if any fails)")
  .option("--junit <file>", "with --test: also write a JUnit XML report")
  .option("--rm", "with --test: bring the lab down afterwards, pass or fail")
  .option("--down-after", "the same as --rm")
  .option("-v, --verbose", "also say what a Compose file sets that netlab leaves aside"))
  .action(lazy("up", "upCmd"));

withCompose(program
  .command("apply")
  .description("change a lab that is up into what its file now says, touching only what differs: nodes, networks and links added or removed (the others keep their addresses), rules, impairments, routes, names (a lab that is not up comes up); with -f, apply Kubernetes objects to its cluster, as kubectl apply -f")
  .argument("<file>", "the lab file (or shipped lab) as it is now; with -f, the lab that is up")
  .option("-f, --filename <files...>", "Kubernetes manifests (files or directories) to apply to the lab's cluster")
  .option("-n, --namespace <ns>", "with -f: the namespace of objects that name none")
  .option("--dry-run", "print only the commands of the difference and touch nothing")
  .option("--isolated", "for a lab that is not up yet: as up --isolated")
  .option("--json", "print the result as JSON")
  .option("-v, --verbose", "also say what a Compose file sets that netlab leaves aside"))
  .action(lazy("apply", "applyCmd"));

withCompose(program
  .command("test")
  .description("run the lab's checks from inside its namespaces; exit 0 when all pass, 1 when any fails")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .option("--json", "machine-readable results")
  .option("--junit <file>", "also write a JUnit XML report")
  .option("--pingall", "every node pings every other node's addresses; prints the reachability matrix")
  .option("--matrix [ports...]", "a cluster: every pod probes every pod on these PORT[/PROTO] (default: every port a pod serves); the truth table beside what the NetworkPolicies say"))
  .action(lazy("test", "testCmd"));

withCompose(program
  .command("down")
  .description("remove exactly what `up` made; succeeds when it is already gone (a name that is no lab at all exits 1)")
  .argument("[lab]", "lab name (or the file it came from)")
  .option("--all", "take down every lab that is up")
  .option("--json", "print the result as JSON"))
  .action(lazy("down", "downCmd"));

program
  .command("clean")
  .description("remove what netlab made for labs whose state is gone, found by its ownership marks; never anything else")
  .argument("[lab]", "only this lab's")
  .option("--all", "also take down the labs that are up, then sweep")
  .option("--dry-run", "list what would be removed and touch nothing")
  .option("--json", "machine-readable result")
  .action(lazy("clean", "cleanCmd"));

program
  .command("logs")
  .description("what a node's run commands printed, or what the lab's DNS server was asked (--dns)")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("[node]", "a node (or host); dns means the DNS server's log unless the lab has a node named dns")
  .option("--dns", "the DNS server's query log, whatever the lab's nodes are called")
  .option("-f, --follow", "keep printing as it grows (Ctrl-C stops), as tail -F")
  .option("--tail <lines>", "only the last N lines")
  .option("-n, --namespace <ns>", "a pod's namespace, as kubectl's -n (the node NS/POD)")
  .action(lazy("logs", "logsCmd"));

addDnsServer(program);

program
  .command("doctor")
  .description("which tools and kernel features this machine has for netlab, what each missing one costs, and which labs can run here")
  .argument("[labs...]", "labs to check (default: the shipped labs); exit 0 when they can all run here")
  .option("--json", "machine-readable report (for CI)")
  .action(lazy("doctor", "doctorCmd"));

program
  .command("status")
  .description("labs that are up, with node count and age; one lab with its nodes and addresses")
  .argument("[lab]", "only this lab, with its nodes")
  .option("-o, --output <format>", "wide (more columns) or json")
  .option("--json", "machine-readable output (as -o json)")
  .action(lazy("status", "statusCmd"));

program
  .command("labs")
  .description("the labs shipped with netlab")
  .option("--json", "machine-readable output")
  .action(lazy("status", "labsCmd"));

program
  .command("inspect")
  .description("live interfaces, addresses, routes and processes per node, read from the kernel")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("[node]", "one node (or host)")
  .option("--json", "machine-readable output")
  .action(lazy("inspect", "inspectCmd"));

program
  .command("get")
  .description("a cluster's pods, services, endpoints, nodes, deployments or namespaces, as kubectl get prints them (a lab with kubernetes:)")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("<kind>", "pods, services, endpoints, nodes, deployments, namespaces or networkpolicies (po, svc, ep, no, deploy, ns, netpol)")
  .argument("[name]", "only this one")
  .option("-n, --namespace <ns>", "this namespace (default: default)")
  .option("-A, --all-namespaces", "every namespace, with a NAMESPACE column")
  .option("-o, --output <format>", "wide (more columns), json or yaml")
  .option("--show-labels", "a LABELS column (pods, namespaces)")
  .action(lazy("get", "getCmd"));

program
  .command("explain")
  .description("why a new connection FROM → TO is allowed or denied by the cluster's NetworkPolicies: the policies that isolate each side, the rule that allows it or that none does")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("<from>", "a pod (POD, or NS/POD), a node, or an address")
  .argument("<to>", "TO[:PORT[/PROTO]]: a pod, node or address; the port defaults to the pod's first containerPort, the protocol to tcp")
  .option("--probe", "also open the connection for real from FROM's namespace, and say whether it agrees")
  .action(lazy("explain", "explainCmd"));

program
  .command("delete")
  .description("delete Kubernetes objects from a cluster that is up, as kubectl delete: -f FILE…, or KIND NAME… (KIND/NAME)")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("[what...]", "KIND NAME… or KIND/NAME…: deployment, service, pod, namespace (deploy, svc, po, ns)")
  .option("-f, --filename <files...>", "delete the objects these manifests define")
  .option("--all", "every object of the KIND given, in the namespace")
  .option("-n, --namespace <ns>", "their namespace (default: default)")
  .option("--dry-run", "print only the commands and touch nothing")
  .action(lazy("kube", "deleteCmd"));

program
  .command("scale")
  .description("set a Deployment's replicas on a cluster that is up, as kubectl scale: pods start or stop, Services follow")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("<what...>", "deployment/NAME (or deployment NAME)")
  .requiredOption("--replicas <n>", "how many pods")
  .option("-n, --namespace <ns>", "its namespace (default: default)")
  .option("--dry-run", "print only the commands and touch nothing")
  .action(lazy("kube", "scaleCmd"));

program
  .command("exec")
  .description("run a command inside a node's namespace (or host)")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("<node>", "a node or virtual host of the lab, or host")
  .argument("<cmd...>", "the command, after --")
  .passThroughOptions()
  .action(lazy("exec", "execCmd"));

program
  .command("shell")
  .description("an interactive shell inside a node's namespace (or host)")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("<node>", "a node or virtual host of the lab, or host")
  .action(lazy("exec", "shellCmd"));

withCompose(program
  .command("graph")
  .description("the lab's topology: hosts, networks, nodes with their interfaces and addresses, links")
  .argument("<lab>", "a lab file, a shipped lab, or a lab that is up")
  .addOption(new Option("-f, --format <format>", "mermaid (default; GitHub renders it), dot, svg or png (through Graphviz)").choices(["mermaid", "dot", "svg", "png"]))
  .option("-o, --output <file>", "write it to a file (its extension .mmd, .dot, .svg or .png picks the format)"))
  .action(lazy("graph", "graphCmd"));

program
  .command("capture")
  .description("tcpdump inside a node (or on a network's bridge): live text, or a pcap for Wireshark")
  .argument("<lab>", "a lab that is up (its name, or the file it came from)")
  .argument("<target>", "NODE, NODE:IFACE, host[:IFACE], or a network's name (its bridge)")
  .argument("[filter...]", "a pcap filter, after --: icmp, tcp port 80, …")
  .option("-w, --write <file>", "write packets to a pcap file instead of printing them")
  .addOption(new Option("-c, --count <n>", "stop after N packets").argParser((v) => Number(v)))
  // No passThroughOptions: -w and -c after the target are netlab's (the README's form), not tcpdump's.
  .action(lazy("capture", "captureCmd"));

addServe(program);

program
  .command("completion")
  .description("a completion script for your shell: source <(netlab completion bash)")
  .addArgument(new Command().createArgument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
  .action(async (shell: string) => {
    const { completionScript } = await import("./completion.js");
    process.stdout.write(completionScript(shell, realpathSync(process.argv[1])));
  });

program
  .command("__complete", { hidden: true })
  .argument("[words...]")
  .option("--bash", "the words are as bash's COMP_WORDS has them, quoted as typed")
  .helpOption(false)
  .allowUnknownOption()
  .action(async (words: string[], opts: { bash?: boolean }) => {
    const { complete, dequote } = await import("./completion.js");
    const out = complete(program, words.length ? (opts.bash ? words.map(dequote) : words) : [""]);
    if (out.length) process.stdout.write(out.join("\n") + "\n");
  });

/** Runs the command line: bin/netlab calls it; so does this file when it is run itself. */
export const main = (): Promise<void> => runProgram(program);

/** Whether this file is the program itself (`tsx src/cli/main.ts`), not imported. */
function runDirectly(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (runDirectly()) void main(); // not awaited: the bundle is CommonJS (scripts/bundle.mjs)
