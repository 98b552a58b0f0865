// The README's local receiver (examples/receiver.mjs) verifies a real signed delivery, and refuses a wrong secret.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort } from "../../scripts/wrangler-dev.mjs";
import { gatewayClient } from "./delivery-helpers.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
const RECEIVER = resolve(import.meta.dirname, "../../examples/receiver.mjs");
let child: ChildProcess | undefined;
afterEach(() => void child?.kill());

async function startExample(secret: string, port: number) {
  child = spawn(process.execPath, [RECEIVER, secret, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  while (!out.includes("listening")) await new Promise((r) => setTimeout(r, 20));
  return () => out;
}

describe("examples/receiver.mjs", () => {
  it.each([
    ["the subscription's secret", true],
    ["another secret", false],
  ])("with %s: %s", async (_name, matching) => {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const port = await freePort();
    const output = await startExample(matching ? secret : `whsec_${randomBytes(32).toString("base64")}`, port);
    const sub = await api("/subscriptions", { body: { url: `http://127.0.0.1:${port}/hooks`, events: ["readme.*"], secret } });
    expect(sub.status).toBe(201);
    const test = await api(`/subscriptions/${sub.json.data.id}/test`, { method: "POST" });
    expect(test.json.data.attempt.statusCode).toBe(matching ? 200 : 401);
    expect(output()).toContain(matching ? "webhook.test signature ok" : "SIGNATURE MISMATCH");
    await api(`/subscriptions/${sub.json.data.id}`, { method: "DELETE" });
  });
});
