// The receiver verification snippets of docs/INTEGRATIONS.md, run against a real delivery: Node always; Python and Go when their toolchain is on the machine.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, type Received, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
const SNIPPETS = new URL("../../docs/snippets/", import.meta.url);
let receiver: Receiver;
let delivery: Received;
let secret: string;

function has(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0 || spawnSync(command, ["version"], { stdio: "ignore" }).status === 0;
}

beforeAll(async () => {
  receiver = await startReceiver();
  const type = `snippet${Date.now().toString(36)}.check`;
  const sub = await api("/subscriptions", { body: { url: `${receiver.url}/hook`, events: [type] } });
  expect(sub.status).toBe(201);
  secret = sub.json.data.secret;
  expect((await api("/events", { body: { type, data: { order: 42, note: "ünïcode ✓" } } })).status).toBe(201);
  [delivery] = await receiver.waitFor(1);
});
afterAll(async () => {
  await receiver.close();
});

/** Runs a snippet with the delivery's headers as arguments and its body on stdin; returns the exit code. */
function run(command: string, args: string[], body = delivery.body, key = secret): number | null {
  const h = delivery.headers;
  const result = spawnSync(command, [...args, String(h["webhook-id"]), String(h["webhook-timestamp"]), String(h["webhook-signature"])], { input: body, env: { ...process.env, WEBHOOK_SECRET: key }, encoding: "utf8", timeout: 60_000 });
  return result.status;
}

const CASES = [
  { name: "Node", file: "verify.mjs", command: "node", args: (path: string) => [path], available: () => true },
  { name: "Python", file: "verify.py", command: "python3", args: (path: string) => [path], available: () => has("python3") },
  { name: "Go", file: "verify.go", command: "go", args: (path: string) => ["run", path], available: () => has("go") },
];

describe("receiver verification snippets", () => {
  for (const snippet of CASES) {
    const available = snippet.available();
    it.skipIf(!available)(`${snippet.name}: ${available ? "accepts the real delivery, refuses a tampered body or a wrong secret" : `skipped: ${snippet.command} is not installed on this machine`}`, () => {
      const path = new URL(snippet.file, SNIPPETS).pathname;
      expect(run(snippet.command, snippet.args(path))).toBe(0);
      expect(run(snippet.command, snippet.args(path), delivery.body.replace("42", "43"))).toBe(1);
      expect(run(snippet.command, snippet.args(path), delivery.body, "whsec_" + Buffer.from("another secret of 32 bytes......").toString("base64"))).toBe(1);
    });
  }
  it("docs/INTEGRATIONS.md shows each snippet exactly as tested", () => {
    const doc = readFileSync(new URL("../../docs/INTEGRATIONS.md", import.meta.url), "utf8");
    for (const snippet of CASES) expect(doc, snippet.file).toContain(readFileSync(new URL(snippet.file, SNIPPETS), "utf8").trim());
  });
});
