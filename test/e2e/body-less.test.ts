// Body-less action routes through a real `wrangler dev`: a bare POST (Node fetch, like `curl -X POST`:
// Content-Length 0, no Content-Type) works on rotate-secret, pause, resume, test and a delivery's retry.
import { afterAll, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver } from "./receiver.ts";

const base = `${inject("gatewayUrl")}/webhooks/v2`;
const token = inject("adminToken");
const api = gatewayClient(inject("gatewayUrl"), token);
const receiver = await startReceiver();
afterAll(() => receiver.close());

const bare = (path: string) => fetch(`${base}${path}`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });

it("rotate-secret, pause, resume, test and retry accept a POST with no body and no Content-Type", async () => {
  const created = await api("/subscriptions", { body: { url: `${receiver.url}/bare`, events: ["bare.*"] } });
  expect(created.status).toBe(201);
  const id = created.json.data.id;
  for (const action of ["rotate-secret", "pause", "resume", "test"]) {
    const res = await bare(`/subscriptions/${id}/${action}`);
    expect(res.status, `${action}: ${await res.clone().text()}`).toBe(200);
    expect(((await res.json()) as any).success).toBe(true);
  }
  const delivery = await eventually(async () => (await api(`/subscriptions/${id}/deliveries`)).json.data.items.find((d: any) => d.status === "success"));
  const retried = await bare(`/subscriptions/${id}/deliveries/${delivery.id}/retry`);
  expect(retried.status).toBe(202);
  await receiver.waitFor(2);
});
