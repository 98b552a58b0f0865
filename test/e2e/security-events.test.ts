// subscription.disabled reaches every subscriber without the disabled endpoint's url query or path tokens.
import { afterEach, describe, expect, inject, it } from "vitest";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
const receivers: Receiver[] = [];

afterEach(async () => {
  while (receivers.length) await receivers.pop()!.close();
});

describe("subscription.disabled", () => {
  it("carries the url with its query values and path tokens redacted", async () => {
    const gone = await startReceiver(() => [410]);
    const watcher = await startReceiver();
    receivers.push(gone, watcher);
    const ns = `secdis${Date.now().toString(36)}`;
    const url = `${gone.url}/services/T0/B0/aB3dE5gH7jK9mN1pQ3rS5tU7?token=disabled-query-secret`;
    const doomed = await api("/subscriptions", { body: { url, events: [`${ns}.*`] } });
    expect(doomed.status).toBe(201);
    const watch = await api("/subscriptions", { body: { url: `${watcher.url}/watch`, events: ["subscription.disabled"] } });
    expect(watch.status).toBe(201);
    expect((await api("/events", { body: { type: `${ns}.x`, data: {} } })).status).toBe(201);
    const [notice] = await watcher.waitFor(1, { match: (r) => r.body.includes(doomed.json.data.id), timeoutMs: 20_000 });
    const event = JSON.parse(notice!.body);
    expect(event.type).toBe("subscription.disabled");
    expect(event.data.url).toBe(`${gone.url}/services/T0/B0/REDACTED?token=REDACTED`);
    expect(notice!.body).not.toMatch(/disabled-query-secret|aB3dE5gH7jK9mN1pQ3rS5tU7/);
    await api(`/subscriptions/${watch.json.data.id}`, { method: "DELETE" });
  });
});
