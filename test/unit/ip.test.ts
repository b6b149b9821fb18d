import { describe, expect, it } from "vitest";
import { formatAddr, formatPrefix, hostRange, overlaps, parseIfAddr, parseIPv6, parsePrefix } from "../../src/net/ip.js";
import { kernelName, validIfName } from "../../src/net/names.js";

describe("addresses", () => {
  it("parses and formats IPv4 and IPv6", () => {
    expect(formatPrefix(parsePrefix("172.20.0.0/24")!)).toBe("172.20.0.0/24");
    expect(parsePrefix("172.20.0.1/24")).toBeNull();
    expect(formatPrefix(parsePrefix("172.20.0.1/24", false)!)).toBe("172.20.0.0/24");
    expect(parsePrefix("256.1.1.1/8")).toBeNull();
    expect(parsePrefix("10.0.0.0/33")).toBeNull();
    expect(formatAddr(6, parseIPv6("fd00:0:0:0::1")!)).toBe("fd00::1");
    expect(formatAddr(6, parseIPv6("2001:db8:0:0:1:0:0:1")!)).toBe("2001:db8::1:0:0:1");
    expect(formatAddr(6, parseIPv6("::ffff:10.0.0.1")!)).toBe("::ffff:a00:1");
    expect(parseIPv6("1::2::3")).toBeNull();
    expect(parseIfAddr("10.0.0.5", 24)).toEqual({ family: 4, addr: 0x0a000005n, len: 24 });
  });

  it("computes host ranges and overlaps", () => {
    const p = parsePrefix("10.0.0.0/30")!;
    expect(hostRange(p)).toEqual({ first: 0x0a000001n, last: 0x0a000002n });
    const p31 = parsePrefix("10.0.0.0/31")!;
    expect(hostRange(p31)).toEqual({ first: 0x0a000000n, last: 0x0a000001n });
    expect(overlaps(parsePrefix("10.0.0.0/8")!, parsePrefix("10.1.0.0/16")!)).toBe(true);
    expect(overlaps(parsePrefix("10.0.0.0/16")!, parsePrefix("10.1.0.0/16")!)).toBe(false);
    expect(overlaps(parsePrefix("fd00::/64")!, parsePrefix("10.0.0.0/8")!)).toBe(false);
  });
});

describe("kernel names", () => {
  it("keeps short names readable and hashes long ones within 15 characters", () => {
    expect(kernelName("bridge-lab", "br0")).toEqual({ name: "bridge-lab-br0" });
    const k = kernelName("bridge-lab", "web", "eth0");
    expect(k.name.length).toBeLessThanOrEqual(15);
    expect(k.name.startsWith("bridge-l-")).toBe(true);
    expect(k.altname).toBe("bridge-lab-web-eth0");
    expect(kernelName("bridge-lab", "web", "eth0")).toEqual(k); // stable
    expect(kernelName("bridge-lab", "api", "eth0").name).not.toBe(k.name);
  });

  it("knows what the kernel accepts as an interface name", () => {
    expect(validIfName("eth0")).toBeNull();
    expect(validIfName("a-very-long-name1")).toMatch(/at most 15/);
    expect(validIfName("eth 0")).toMatch(/space/);
    expect(validIfName("eth/0")).toMatch(/'\/'/);
  });
});
