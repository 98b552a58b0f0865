// A real HTTP webhook receiver on 127.0.0.1 for e2e tests: records every request, answers per a script,
// and verifies signatures with the standardwebhooks library and the X-Webhook-Signature rule.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request as received. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** Decides the response: [status, headers?, body?], or "hang" to never answer. */
export type Responder = (request: Received, index: number) => [number, Record<string, string>?, string?] | "hang" | Promise<[number, Record<string, string>?, string?]>;

/** A started receiver. */
export interface Receiver {
  url: string;
  requests: Received[];
  respond: Responder;
  /** Resolves when `count` requests (optionally matching) have arrived; rejects after timeoutMs. */
  waitFor(count: number, options?: { timeoutMs?: number; match?: (r: Received) => boolean }): Promise<Received[]>;
  close(): Promise<void>;
}

/** Starts a receiver; by default it answers 200. */
export async function startReceiver(respond: Responder = () => [200]): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  const receiver = { requests: [] as Received[], respond } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const request: Received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), receivedAt: Date.now() };
      const index = receiver.requests.push(request) - 1;
      const answer = await receiver.respond(request, index);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      const [status, headers = {}, body = "ok"] = answer;
      res.writeHead(status, headers).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.waitFor = async (count, options = {}) => {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      const matching = receiver.requests.filter(options.match ?? (() => true));
      if (matching.length >= count) return matching;
      if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${matching.length}: ${JSON.stringify(receiver.requests.map((r) => r.headers["webhook-id"]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  receiver.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/**
 * A receiver starter for a test file: every receiver it starts is closed after each test (the
 * file's vitest `afterEach` is passed in: this module is also loaded by a global setup).
 */
export function receiversClosedAfterEach(afterEach: (fn: () => Promise<void>) => void): (respond?: Responder) => Promise<Receiver> {
  const started: Receiver[] = [];
  afterEach(async () => {
    while (started.length) await started.pop()!.close();
  });
  return async (respond) => {
    const r = await startReceiver(respond);
    started.push(r);
    return r;
  };
}

function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === "string") out[k] = v;
  return out;
}

/** Verifies webhook-signature with the standardwebhooks library; throws when it does not verify. */
export function verifyStandard(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, headerRecord(request.headers));
}

/** The HMAC key of a secret: decoded whsec_ bytes or UTF-8 bytes. */
function keyOf(secret: string): Buffer {
  return secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
}

/** True when one of the X-Webhook-Signature entries is sha256=<hex HMAC over "timestamp.body"> under `secret`. */
export function verifyXWebhook(secret: string, request: Received): boolean {
  const timestamp = request.headers["x-webhook-timestamp"];
  const header = request.headers["x-webhook-signature"];
  if (typeof timestamp !== "string" || typeof header !== "string") return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", keyOf(secret)).update(`${timestamp}.${request.body}`).digest("hex")}`);
  return header.split(",").some((entry) => {
    const got = Buffer.from(entry.trim());
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
