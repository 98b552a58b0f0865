// Destination guard: schemes, credentials, and every private/loopback/link-local/metadata address form.
import { describe, expect, it } from "vitest";
import { blockedHostReason, checkDestination, parseIPv6 } from "../../src/delivery/destinations/url-guard";

const refused = (url: string) => checkDestination(url, { allowPrivate: false }).ok === false;

describe("checkDestination", () => {
  it("accepts public http(s) URLs", () => {
    for (const url of ["https://example.com/hook", "http://hooks.example.org:8080/x?y=1", "https://8.8.8.8/", "https://[2606:4700::1111]/"]) {
      expect(checkDestination(url, { allowPrivate: false }).ok, url).toBe(true);
    }
  });
  it("refuses other schemes, garbage and credentials", () => {
    for (const url of ["ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "not a url", "https://user:pass@example.com/"]) {
      expect(refused(url), url).toBe(true);
    }
  });
  it("refuses loopback, private, link-local, CGNAT and metadata IPv4, in any notation", () => {
    for (const url of [
      "http://127.0.0.1/",
      "http://127.1.2.3:8080/",
      "http://10.0.0.1/",
      "http://172.16.5.4/",
      "http://172.31.255.255/",
      "http://192.168.1.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://100.64.0.1/",
      "http://100.100.100.200/",
      "http://0.0.0.0/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://224.0.0.1/",
      "http://255.255.255.255/",
    ]) {
      expect(refused(url), url).toBe(true);
    }
    expect(refused("http://172.32.0.1/")).toBe(false);
    expect(refused("http://100.128.0.1/")).toBe(false);
  });
  it("refuses IPv6 loopback, unique-local, link-local and IPv4-mapped/compatible/NAT64/6to4 private forms", () => {
    for (const url of [
      "http://[::1]/",
      "http://[::]/",
      "http://[0:0:0:0:0:0:0:1]/",
      "http://[fc00::1]/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/",
      "http://[::ffff:169.254.169.254]/",
      "http://[::ffff:10.0.0.1]/",
      "http://[::127.0.0.1]/",
      "http://[64:ff9b::192.168.0.1]/",
      "http://[2002:c0a8:0101::1]/",
      "http://[ff02::1]/",
    ]) {
      expect(refused(url), url).toBe(true);
    }
    expect(refused("http://[::ffff:8.8.8.8]/")).toBe(false);
    expect(refused("http://[2002:0808:0808::1]/")).toBe(false);
  });
  it("refuses localhost and metadata host names", () => {
    for (const url of ["http://localhost/", "http://LOCALHOST:3000/", "http://app.localhost/", "http://localhost./", "http://metadata.google.internal/", "http://printer.local/", "http://intranet/"]) {
      expect(refused(url), url).toBe(true);
    }
  });
  it("allows everything http(s) when private destinations are allowed", () => {
    expect(checkDestination("http://127.0.0.1:9999/hook", { allowPrivate: true }).ok).toBe(true);
    expect(checkDestination("ftp://127.0.0.1/", { allowPrivate: true }).ok).toBe(false);
  });
  it("says why", () => {
    const verdict = checkDestination("http://10.1.2.3/", { allowPrivate: false });
    expect(verdict.ok === false && verdict.reason).toContain("private");
    expect(blockedHostReason("169.254.169.254")).toContain("metadata");
  });
});

describe("parseIPv6", () => {
  it("expands compressed forms and embedded IPv4", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("2001:db8::8:800:200c:417a")).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("1::2::3")).toBeNull();
    expect(parseIPv6("1:2:3")).toBeNull();
    expect(parseIPv6("12345::")).toBeNull();
  });
});

describe("names and prefixes judged by more than their text", () => {
  it("refuses loopback DNS services, local suffixes, IPs written into names and the NAT64 local-use prefix", () => {
    for (const url of [
      "http://127.0.0.1.nip.io/",
      "http://app.10.0.0.5.sslip.io/",
      "http://10-0-0-1.nip.io/",
      "http://localtest.me/",
      "http://api.localtest.me/",
      "http://lvh.me/",
      "http://router.localdomain/",
      "http://nas.lan/",
      "http://db.internal/",
      "http://api.default.svc/",
      "http://printer.local/",
      "http://192.168.1.1.example.com/",
      "http://[64:ff9b:1::a00:1]/",
      "http://[64:ff9b:1:ffff::808:808]/",
    ]) {
      expect(refused(url), url).toBe(true);
    }
  });
  it("still accepts public names that merely contain digits", () => {
    for (const url of ["https://api.v2.example.com/", "https://1.2.example.com/", "https://8.8.8.8.example.com/", "https://[64:ff9b::808:808]/"]) {
      expect(checkDestination(url, { allowPrivate: false }).ok, url).toBe(true);
    }
  });
});
