// Pass: the `host:` section — the lab's host namespace's routes, sysctls, commands, firewall.
import { Ctx } from "./context.js";
import { resolveFirewall } from "./firewall.js";
import { resolveRoutes } from "./routes.js";
import { resolveFiles, resolveSysctls } from "./sysctls.js";
import { asList, checkCommand } from "./util.js";

export function hostPass(c: Ctx): void {
  const { P, host, raw, networks } = c;
  const rh = raw.host ?? {};
  const hostIfaces = new Set([...host.intfs.map((i) => i.name), ...networks.filter((n) => !n.holder && n.kind === "bridge").map((n) => n.bridge)]);
  host.routes = resolveRoutes(P, rh.routes ?? [], ["host", "routes"], hostIfaces, "host");
  (rh.routes ?? []).forEach((r, i) => {
    host.routePaths.push(["host", "routes", i]);
    if (typeof r === "object" && r.replace) host.replaceRoutes.push(host.routes[i]);
  });
  host.forward = rh.forward ?? false;
  host.sysctls = resolveSysctls(P, rh.sysctls, ["host", "sysctls"]);
  host.exec = asList(rh.exec).filter((c, i) => checkCommand(P, c, ["host", "exec", ...(Array.isArray(rh.exec) ? [i] : [])]));
  host.run = asList(rh.run).filter((c, i) => checkCommand(P, c, ["host", "run", ...(Array.isArray(rh.run) ? [i] : [])]));
  host.files = resolveFiles(P, rh.files, ["host", "files"]);
  // Files are mounted by `ip netns exec` of a namespace: the machine's own /etc is never written.
  if (Object.keys(host.files).length && !c.isolated) P.add(["host", "files"], "host files need the lab's host to be a namespace of its own", "set isolated: true (or netlab up --isolated), or put the daemon on a virtual host (hosts:)");
  if (rh.firewall) {
    host.firewall = resolveFirewall(P, rh.firewall, ["host", "firewall"]);
    host.firewall?.rules.forEach((r, i) => {
      // In a namespace netlab does not own it only adds to its own chains, reached from these.
      if (r.table !== "filter" || !/^-A (INPUT|OUTPUT|FORWARD)\s/.test(r.rule))
        P.add(["host", "firewall", "rules", i], `host rules go into the filter table's INPUT, OUTPUT or FORWARD`, "write it like \"-A INPUT -p tcp --dport 22 -j ACCEPT\"; netlab puts it in its own chain");
    });
  }

}
