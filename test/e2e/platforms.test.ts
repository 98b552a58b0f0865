// The bodies Zapier, Make, n8n and IFTTT send, byte for byte with their content types, accepted as
// meant: "" as absent, platform date forms normalised (shown in the response), form-encoded bodies.
// No seed copy of these bodies exists in the repository; they are written as each platform's
// webhook action sends them (see the comment on each).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BASE_PATH, createToken, expectError, isIsoDateTime } from "./client.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
let key: string;
let receiver: Receiver;

async function send(path: string, contentType: string, body: string, userAgent: string) {
  const res = await fetch(`${url}${BASE_PATH}${path}`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": contentType, "User-Agent": userAgent }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

async function channel(name: string) {
  const res = await fetch(`${url}${BASE_PATH}/channels`, { method: "POST", headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" }, body: JSON.stringify({ name, type: "webhook", url: `${receiver.url}/${name}` }) });
  expect([201, 422]).toContain(res.status); // 422: made by an earlier run of this file on the shared gateway
}

beforeAll(async () => {
  key = (await createToken(url, admin, ["task", "notify", "research"], { type: "zapier" })).key;
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

describe("Zapier (Webhooks by Zapier, POST, payload type json)", () => {
  it("unmapped fields arrive as \"\" and a date-only deadline means the end of that day UTC", async () => {
    const body = '{"action": "add_task", "task": "Follow up with Acme Corp on the Q4 renewal", "priority": "high", "deadline": "2026-12-13", "expected": "", "tags": "sales,renewal", "idempotencyKey": ""}';
    const res = await send("/task", "application/json", body, "Zapier");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.data.deadline).toBe("2026-12-13T23:59:59.999Z");
    const task = await (await fetch(`${url}${BASE_PATH}/task/${res.json.data.id}/status`, { headers: { Authorization: `Bearer ${key}` } })).json();
    expect(task.data).toMatchObject({ priority: "high", deadline: "2026-12-13T23:59:59.999Z", expected: null, tags: ["sales", "renewal"] });
  });
});

describe("Make (HTTP > Make a request, body type raw, application/json)", () => {
  it("a formatDate() deadline without a zone is UTC; an empty priority is the default", async () => {
    const body = '{"action":"add_task","task":"Review the invoice sync scenario","priority":"","deadline":"2026-12-13T09:30:00","expected":"","tags":[]}';
    const res = await send("/task", "application/json; charset=utf-8", body, "Make/production");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.data.deadline).toBe("2026-12-13T09:30:00.000Z");
  });
});

describe("n8n (HTTP Request node)", () => {
  it("a form-urlencoded notify reaches its channel", async () => {
    await channel("ops-n8n");
    const body = "action=send_notification&priority=P2&title=Nightly%20import%20finished&body=1%2C204%20rows%20imported&channels=ops-n8n";
    const res = await send("/notify", "application/x-www-form-urlencoded", body, "n8n");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.data.channels).toEqual({ "ops-n8n": { status: "queued" } });
    const [delivered] = await receiver.waitFor(1, { match: (r) => r.path === "/ops-n8n" });
    expect(JSON.parse(delivered!.body).data).toMatchObject({ notificationId: res.json.data.notificationId, notifId: res.json.data.notificationId, title: "Nightly import finished", body: "1,204 rows imported" });
  });

  it("JSON with fields typed as strings (\"Using Fields Below\")", async () => {
    const body = '{"action":"start_research","topic":"Vendor risk of our top 5 suppliers","depth":"3","format":"markdown","sources":"","maxAge":""}';
    const res = await send("/research", "application/json", body, "n8n");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const research = await (await fetch(`${url}${res.json.data.progressUrl}`, { headers: { Authorization: `Bearer ${key}` } })).json();
    expect(research.data).toMatchObject({ depth: 3, sources: [], maxAge: null });
  });
});

describe("IFTTT (Webhooks > Make a web request)", () => {
  it("{{CreatedAt}} as a deadline: 'December 13, 2026 at 09:30AM'", async () => {
    const body = '{"action":"add_task","task":"Starred email: Contract draft from Legal","priority":"medium","deadline":"December 13, 2026 at 09:30AM"}';
    const res = await send("/task", "application/json", body, "IFTTT-Protocol/v1");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.data.deadline).toBe("2026-12-13T09:30:00.000Z");
    expect(isIsoDateTime(res.json.data.estimatedStart)).toBe(true);
  });

  it("a notify without channels goes to the channel named default: 422 until it exists, then delivered", async () => {
    const body = "action=send_notification&priority=P3&title=Front%20door%20opened&body=December%2013%2C%202026%20at%2009%3A30AM";
    const before = await send("/notify", "application/x-www-form-urlencoded", body, "IFTTT-Protocol/v1");
    // A fresh gateway has no default channel (an earlier run of this file on the same gateway made one).
    if (before.status !== 201) expect(expectError(before, "UNPROCESSABLE", 422).details.missingChannels).toEqual(["default"]);
    await channel("default");
    const res = await send("/notify", "application/x-www-form-urlencoded", body, "IFTTT-Protocol/v1");
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.data.channels).toEqual({ default: { status: "queued" } });
    await receiver.waitFor(1, { match: (r) => r.path === "/default" && JSON.parse(r.body).data.notifId === res.json.data.notificationId });
  });
});
