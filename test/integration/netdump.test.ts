// The namespace reader (issue 23): a device's sysctls come from its link dump (IFLA_AF_SPEC), not
// a /proc/sys file per namespace — so every name it answers that way must read as /proc/sys shows
// it. Each setting is first made to differ from its neighbours, so a table off by one slot fails.
import { describe, expect, it } from "vitest";
import { DEV_CONF_NAMES, devConf } from "../../src/net/sysctl.js";
import { dumpNamespaces, readerInput, runReader } from "../../src/runtime/netdump.js";
import { IS_ROOT, Sandbox } from "./sandbox.js";

const keys = [...DEV_CONF_NAMES.ipv4.map((n) => `net.ipv4.conf.nd0.${n}`), ...DEV_CONF_NAMES.ipv6.map((n) => `net.ipv6.conf.nd0.${n}`)];

describe.skipIf(!IS_ROOT)("the namespace reader", () => {
  it("reads every per-device sysctl from the link dump as /proc/sys shows it", async () => {
    const sb = await Sandbox.create();
    try {
      expect((await sb.sh("ip link add nd0 type veth peer name nd1 && ip link set nd0 up")).code).toBe(0);
      // A value of its own where the kernel takes one (i + 3), else the other of 0 and 1.
      const set = keys.map((k, i) => {
        const f = `/proc/sys/${k.replace(/\./g, "/")}`;
        return `echo ${i + 3} > ${f} 2>/dev/null || { [ "$(cat ${f})" = 0 ] && echo 1 || echo 0; } > ${f} 2>/dev/null; true`;
      });
      await sb.sh(set.join("\n"));
      const proc = (await sb.sh(keys.map((k) => `cat /proc/sys/${k.replace(/\./g, "/")} 2>/dev/null || echo -`).join("\n"))).stdout.trim().split("\n");
      expect(keys.every((k) => devConf(k))).toBe(true);
      const [live] = await dumpNamespaces([{ path: `/run/netns/${sb.name}`, sysctls: keys, want: {} }]);
      const got = keys.map((k) => live.sysctls.get(k) ?? "-");
      expect(Object.fromEntries(keys.map((k, i) => [k, got[i]]))).toEqual(Object.fromEntries(keys.map((k, i) => [k, proc[i]])));
      // From the dump alone: with no file to fall back on, the same values.
      const target = { path: `/run/netns/${sb.name}`, sysctls: keys, want: {} };
      const input = readerInput([target]);
      expect(input.match(/^c /gm)).toHaveLength(keys.length);
      const [dumped] = await runReader(input.replace(/^(c .*) \S+$/gm, "$1 /nonexistent"), 1);
      expect(keys.map((k) => dumped.sysctls.get(k) ?? "-")).toEqual(proc);
      // Teeth: most neighbouring slots hold different values, and no name is answered as missing.
      const differ = proc.filter((v, i) => i > 0 && v !== proc[i - 1]).length;
      expect(differ).toBeGreaterThan(keys.length * 0.6);
      expect(proc).not.toContain("-");
      // A device that is not there reads as missing, as its /proc/sys file would.
      const [gone] = await dumpNamespaces([{ path: `/run/netns/${sb.name}`, sysctls: ["net.ipv4.conf.nd9.rp_filter"], want: {} }]);
      expect(gone.sysctls.get("net.ipv4.conf.nd9.rp_filter")).toBeNull();
    } finally {
      await sb.destroy();
    }
  });
});
