/**
 * Destination guard (pure): refuses non-http(s) URLs and loopback, private, link-local, CGNAT and
 * metadata targets, judged from the URL alone (no DNS lookup). Cloudflare's edge refuses private
 * resolved addresses itself; self-hosted workerd does not (see docs/SECURITY.md).
 */

/** IPv4 ranges never reachable as a public webhook destination: [base, prefix length, label]. */
const BLOCKED_V4: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local / cloud metadata"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/** Host names that resolve to the machine itself or to a cloud metadata service. */
const BLOCKED_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"]);
const BLOCKED_SUFFIXES = [".localhost", ".local", ".localdomain", ".lan", ".internal", ".intranet", ".svc", ".home.arpa"];
/**
 * Public DNS names that resolve to loopback, or to whatever address is written into the name
 * (`127.0.0.1.nip.io`): refused with every subdomain, the domain itself included.
 */
const LOOPBACK_DNS_DOMAINS = ["localtest.me", "lvh.me", "vcap.me", "nip.io", "sslip.io", "xip.io", "traefik.me", "localhost.run", "lacolhost.com"];

/** A private or local IPv4 address written into a name: four numeric labels (`10.0.0.1.example`) or one dashed label (`10-0-0-1.example`). */
function embeddedV4Reason(host: string): string | null {
  const labels = host.split(".");
  for (let i = 0; i + 4 <= labels.length; i++) {
    const v4 = parseIPv4(labels.slice(i, i + 4).join("."));
    const label = v4 === null ? null : v4Blocked(v4);
    if (label) return `${label} address written into the host name`;
  }
  for (const label of labels) {
    const v4 = /^\d{1,3}(-\d{1,3}){3}$/.test(label) ? parseIPv4(label.replaceAll("-", ".")) : null;
    const blocked = v4 === null ? null : v4Blocked(v4);
    if (blocked) return `${blocked} address written into the host name`;
  }
  return null;
}

/** A decision on a destination URL. */
export type DestinationVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** Options of checkDestination. */
export interface DestinationOptions {
  /** ALLOW_PRIVATE_DESTINATIONS: skip the address checks (local development only). */
  allowPrivate: boolean;
}

/** The 32-bit value of a dotted IPv4 address, or null when `text` is not one. */
export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** The eight 16-bit groups of an IPv6 address (embedded dotted IPv4 allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  let input = text.toLowerCase();
  if (input.includes("%")) input = input.slice(0, input.indexOf("%"));
  const tail: number[] = [];
  const lastColon = input.lastIndexOf(":");
  if (lastColon >= 0 && input.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(input.slice(lastColon + 1));
    if (v4 === null) return null;
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    input = input.slice(0, lastColon + 1);
    if (!input.endsWith("::")) input = input.slice(0, -1);
  }
  const halves = input.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const want = 8 - tail.length;
  const parsed = (list: string[]) => list.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const left = parsed(head);
  const right = parsed(rest);
  if ([...left, ...right].some(Number.isNaN)) return null;
  if (halves.length === 1 && left.length !== want) return null;
  if (halves.length === 2 && left.length + right.length >= want) return null;
  const zeros = halves.length === 2 ? Array(want - left.length - right.length).fill(0) : [];
  return [...left, ...zeros, ...right, ...tail];
}

function v4Blocked(value: number): string | null {
  for (const [base, bits, label] of BLOCKED_V4) {
    const size = 2 ** (32 - bits);
    const start = parseIPv4(base)!;
    if (value >= start && value < start + size) return label;
  }
  if (value === 0xffffffff) return "broadcast";
  return null;
}

function v6Blocked(g: number[]): string | null {
  const embedded = (hi: number, lo: number) => v4Blocked(hi * 65536 + lo);
  const allZero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (allZero(0, 8)) return "unspecified";
  if (allZero(0, 7) && g[7] === 1) return "loopback";
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d carry an IPv4 address.
  if (allZero(0, 5) && (g[5] === 0xffff || g[5] === 0)) return embedded(g[6]!, g[7]!) ?? (g[5] === 0 ? "IPv4-compatible" : null);
  // NAT64 64:ff9b::/96 and 6to4 2002::/16 also embed one.
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(2, 6)) return embedded(g[6]!, g[7]!);
  // The NAT64 local-use prefix 64:ff9b:1::/48 (RFC 8215) translates into the operator's own network.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "NAT64 local-use";
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!);
  if ((g[0]! & 0xfe00) === 0xfc00) return "unique local";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xffc0) === 0xfec0) return "site-local";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "documentation";
  return null;
}

/** Why a host (as URL.hostname gives it) is refused, or null when it may be a public destination. */
export function blockedHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIPv6(host.slice(1, -1));
    if (!groups) return "malformed IPv6 address";
    const label = v6Blocked(groups);
    return label ? `${label} address` : null;
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) {
    const label = v4Blocked(v4);
    return label ? `${label} address` : null;
  }
  if (BLOCKED_NAMES.has(host) || BLOCKED_SUFFIXES.some((suffix) => host.endsWith(suffix))) return "local or metadata host name";
  if (LOOPBACK_DNS_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`))) return "a DNS name that resolves to loopback or to an address written into it";
  const embedded = embeddedV4Reason(host);
  if (embedded) return embedded;
  if (!host.includes(".")) return "single-label host name";
  return null;
}

/** Validates a subscription or channel URL: http(s) only, no credentials, public address unless allowed. */
export function checkDestination(raw: string, options: DestinationOptions): DestinationVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a valid absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "only http and https URLs are allowed" };
  if (url.username || url.password) return { ok: false, reason: "credentials in the URL are not allowed; use auth" };
  if (options.allowPrivate) return { ok: true, url };
  const reason = blockedHostReason(url.hostname);
  return reason ? { ok: false, reason: `destination refused: ${reason}` } : { ok: true, url };
}
