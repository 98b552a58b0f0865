// Never lose an accepted event: a `wrangler dev` killed with SIGKILL mid-delivery (its in-memory queue
// lost) and started again on the same state delivers every event, through the Sweeper alarm.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, verifyXWebhook } from "./receiver.ts";

const EVENTS = 6;
const persistTo = mkdtempSync(join(tmpdir(), "edgehook-recovery-"));
const vars = { SWEEP_INTERVAL_SECONDS: "1", SWEEP_GRACE_SECONDS: "1" };
const cleanup: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  rmSync(persistTo, { recursive: true, force: true });
});

describe("crash recovery", () => {
  it("delivers every accepted event after SIGKILL mid-delivery and a restart", async () => {
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? [200] : "hang"));
    cleanup.push(() => receiver.close());

    const first = await startWranglerDev({ persistTo, vars });
    cleanup.push(() => first.kill());
    const api = gatewayClient(first.url, first.adminToken);
    const created = await api("/subscriptions", { body: { url: `${receiver.url}/hook`, events: ["crash.*"], timeoutMs: 1000, retryPolicy: { initialDelayMs: 1000, maxRetries: 10 } } });
    expect(created.status).toBe(201);
    const secret = created.json.data.secret as string;
    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const res = await api("/events", { body: { type: "crash.order", data: { i } } });
      expect(res.status).toBe(201);
      ids.push(res.json.data.id);
    }
    // The endpoint hangs: at least one delivery is mid-flight when the process dies.
    await receiver.waitFor(1, { timeoutMs: 30_000 });
    await first.kill();

    healthy = true;
    const second = await startWranglerDev({ persistTo, vars });
    cleanup.push(() => second.stop({ keepState: true }));
    // Every event reaches the receiver (some twice: at-least-once), each signed correctly.
    await eventually(async () => {
      const seen = new Set(receiver.requests.map((r) => String(r.headers["webhook-id"])));
      return ids.every((id) => seen.has(id)) ? true : undefined;
    }, 90_000);
    for (const r of receiver.requests) {
      verifyStandard(secret, r);
      expect(verifyXWebhook(secret, r)).toBe(true);
    }
    // Every delivery ends as success in the restarted gateway's history.
    const api2 = gatewayClient(second.url, second.adminToken);
    await eventually(async () => {
      const list = await api2(`/subscriptions/${created.json.data.id}/deliveries?limit=100`);
      const items = list.json.data.items as { status: string }[];
      return items.length === EVENTS && items.every((d) => d.status === "success") ? true : undefined;
    }, 60_000);
  }, 240_000);
});
