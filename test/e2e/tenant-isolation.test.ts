// The isolation matrix: every operation of the OpenAPI document, called by tenant B's token with tenant A's
// ids, answers 404 (or an empty list); B's stream and receiver never see A's events. Generated from the
// document, so a new route is covered without editing this file.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api, type ApiResponse } from "./client.ts";
import { eventually } from "./delivery-helpers.ts";
import { startReceiver, type Receiver } from "./receiver.ts";
import { sampleBody, type Schema } from "./schema-sample.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const METHODS = ["get", "put", "post", "delete", "patch"];
const RUN = Date.now().toString(36);
const SCOPES = ["task", "notify", "research", "events", "subscriptions", "tokens", "sources", "metrics", "rules"];

type Operation = { security?: Record<string, string[]>[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** One tenant's world: its token and the ids of everything it made. */
interface World {
  tenant: string;
  token: string;
  receiver: Receiver;
  ids: Record<string, string>;
}

let doc: Doc;
let a: World;
let b: World;
const receivers: Receiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.close();
});

async function ok(res: ApiResponse, status = 201): Promise<any> {
  expect(res.status, res.text).toBe(status);
  return res.json.data;
}

/** A tenant with a token holding every ordinary scope, and one resource of every kind it can own. */
async function world(name: string): Promise<World> {
  const tenant = `${name}-${RUN}`;
  await ok(await api(url, "/tenants", { token: admin, body: { id: tenant, name } }));
  const token = (await ok(await api(url, "/tokens", { token: admin, body: { name, endpoints: SCOPES, tenantId: tenant, rateLimit: 10_000_000 } }))).key as string;
  const receiver = await startReceiver();
  receivers.push(receiver);
  const call = (path: string, body?: unknown, method?: string) => api(url, path, { token, body, method });
  const ids: Record<string, string> = { tenant };
  ids.subscription = (await ok(await call("/subscriptions", { url: `${receiver.url}/hook`, events: ["iso.*", "task.*"] }))).id;
  ids.channel = `ops-${name}`;
  await ok(await call("/channels", { name: ids.channel, type: "webhook", url: `${receiver.url}/channel` }));
  ids.token = (await ok(await call("/tokens", { name: `${name}-child`, endpoints: ["task"] }))).id;
  ids.task = (await ok(await call("/task", { action: "add_task", task: `${name}'s task` }))).id;
  ids.notification = (await ok(await call("/notify", { action: "send_notification", priority: "P2", channels: [ids.channel], title: "hi", body: "there" }))).notificationId;
  ids.research = (await ok(await call("/research", { action: "start_research", topic: `${name} topic` }))).researchId;
  ids.rule = (await ok(await call("/rules", { name: `${name} rule`, trigger: { events: ["iso.*"] }, steps: [{ id: "wait", kind: "delay", duration: "1h" }] }))).id;
  const inspector = await ok(await call("/inspectors", { name }));
  ids.inspector = inspector.id;
  await api(url, `/inspect/${inspector.id}`, { body: { captured: name } });
  ids.inspectorRequest = (await ok(await call(`/inspectors/${inspector.id}/requests`), 200)).items[0].id;
  const source = await ok(await call("/sources", { provider: "generic", name: `src${name.replace(/[^a-z]/g, "")}`, secret: `secret-of-${name}-0123456789abcdef` }));
  ids.source = source.id;
  ids.event = (await ok(await call("/events", { type: "iso.ping", data: { from: name } }))).id;
  const delivery = await eventually(async () => {
    const list = (await call(`/subscriptions/${ids.subscription}/deliveries`)).json?.data?.items ?? [];
    return list.find((d: any) => d.eventId === ids.event);
  });
  ids.delivery = delivery.id;
  ids.run = await eventually(async () => ((await call("/runs")).json?.data?.items ?? []).find((r: any) => r.ruleId === ids.rule)?.id);
  return { tenant, token, receiver, ids };
}

/** The id of A's that fills a path parameter, by the parameter and the path it sits in. */
function fill(path: string, param: string, w: World): string | null {
  const byParam: Record<string, string> = { deliveryId: w.ids.delivery!, requestId: w.ids.inspectorRequest!, name: w.ids.channel!, provider: "generic" };
  if (byParam[param]) return byParam[param]!;
  if (param !== "id") return null;
  const resource = path.split("/")[3];
  const byResource: Record<string, string | undefined> = {
    subscriptions: w.ids.subscription, task: w.ids.task, notify: w.ids.notification, research: w.ids.research, rules: w.ids.rule, runs: w.ids.run,
    inspectors: w.ids.inspector, tokens: w.ids.token, events: w.ids.event, tenants: w.ids.tenant, sources: w.ids.source,
  };
  return byResource[resource!] ?? null;
}

/** Every authenticated operation of the document, with its path filled with A's ids. */
function operations(w: World) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method, op]) => METHODS.includes(method) && (op.security?.length ?? 0) > 0 && Object.keys(op.security![0]!).length > 0)
      .map(([method, op]) => {
        const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
        let filled = path;
        for (const p of params) filled = filled.replace(`{${p}}`, encodeURIComponent(fill(path, p, w) ?? `unmapped-${p}`));
        const scopes = Object.values(op.security![0]!)[0] ?? [];
        const schema = op.requestBody?.content?.["application/json"]?.schema;
        return { method, path, filled: filled.replace(/^\/webhooks\/v2/, ""), params, scopes, body: schema ? sampleBody(schema, doc.components.schemas) : undefined };
      }),
  );
}

/** Reads an SSE stream for `ms` and returns its text. */
async function streamText(token: string, ms: number, onOpen: () => Promise<void>): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${url}/webhooks/v2/events?since=1h`, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = "";
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } catch {
      /* aborted */
    }
  })();
  await onOpen();
  await new Promise((r) => setTimeout(r, ms));
  controller.abort();
  await reading;
  return text;
}

beforeAll(async () => {
  doc = (await api(url, "/openapi.json")).json;
  a = await world("alpha");
  b = await world("bravo");
}, 180_000);

describe("tenant isolation matrix", () => {
  it("maps every path parameter of the document to one of A's ids", () => {
    const unmapped = operations(a).flatMap((op) => op.params.filter((p) => fill(op.path, p, a) === null).map((p) => `${op.method.toUpperCase()} ${op.path} {${p}}`));
    expect(unmapped).toEqual([]);
  });

  it("answers B's token with 404 for every operation naming A's ids, and never shows A's ids in B's lists", async () => {
    const aIds = Object.values(a.ids);
    const failures: string[] = [];
    let checked = 0;
    for (const op of operations(a)) {
      const res = await api(url, op.filled, { token: b.token, method: op.method.toUpperCase(), body: op.body ?? (op.method === "get" || op.method === "delete" ? undefined : {}) });
      const lacksScope = op.scopes.some((s) => !SCOPES.includes(s));
      const where = `${op.method.toUpperCase()} ${op.path} → ${res.status} ${res.text.slice(0, 160)}`;
      checked++;
      if (op.params.length > 0) {
        const refusedBody = op.method !== "get" && res.status === 400 && res.json?.code === "SCHEMA_VALIDATION_ERROR";
        if (!(res.status === 404 || (lacksScope && res.status === 403) || refusedBody)) failures.push(where);
        if (res.status === 404 && !(res.json?.success === false && res.json?.code === "NOT_FOUND")) failures.push(`${where} (not the NOT_FOUND envelope)`);
      } else if (op.method === "get") {
        const leaked = aIds.filter((id) => res.text.includes(id) && id !== a.ids.tenant);
        if (leaked.length) failures.push(`${where}: shows A's ${leaked.join(", ")}`);
        if (res.text.includes(a.tenant)) failures.push(`${where}: names tenant ${a.tenant}`);
      }
    }
    expect(failures, failures.join("\n")).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  }, 180_000);

  it("left every one of A's resources as it was (nothing B called changed them)", async () => {
    const read = (path: string) => api(url, path, { token: a.token });
    expect((await read(`/subscriptions/${a.ids.subscription}`)).json.data).toMatchObject({ id: a.ids.subscription, status: "active", tenantId: a.tenant });
    for (const path of [`/task/${a.ids.task}/status`, `/rules/${a.ids.rule}`, `/runs/${a.ids.run}`, `/inspectors/${a.ids.inspector}/requests`, `/tokens/${a.ids.token}`, `/events/${a.ids.event}`, `/sources/generic/${a.ids.source}`, `/channels/${a.ids.channel}`]) {
      expect((await read(path)).status, path).toBe(200);
    }
  });

  it("never streams or delivers A's events to B, while A's own stream and receiver get them", async () => {
    const before = b.receiver.requests.length;
    let published = "";
    const publishA = async () => {
      published = (await ok(await api(url, "/events", { token: a.token, body: { type: "iso.secret", data: { only: "alpha" } } }))).id;
    };
    const [bText, aText] = await Promise.all([streamText(b.token, 3000, publishA), streamText(a.token, 3000, async () => undefined)]);
    expect(published).not.toBe("");
    expect(aText).toContain(published);
    expect(bText).not.toContain(published);
    for (const id of [a.ids.event, published]) expect(bText).not.toContain(id);
    expect(bText).toContain(b.ids.event);
    await a.receiver.waitFor(1, { match: (r) => r.body.includes(published), timeoutMs: 30_000 });
    expect(b.receiver.requests.slice(before).filter((r) => r.body.includes("alpha"))).toEqual([]);
    expect(b.receiver.requests.every((r) => !r.body.includes(a.tenant))).toBe(true);
  }, 60_000);
});
