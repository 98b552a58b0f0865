// The OpenAPI document as a whole: a Redocly lint with no errors (offline, recommended rules), a
// unique operationId and a security entry on every operation, a `webhooks` entry per delivered
// event type, and the docs page that reads the document.
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api } from "./client.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
type Operation = { operationId?: string; security?: Record<string, string[]>[]; requestBody?: unknown };
let doc: { paths: Record<string, Record<string, Operation>>; webhooks: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
let text: string;

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path, method, op })));

beforeAll(async () => {
  const res = await api(url, "/openapi.json");
  text = res.text;
  doc = res.json;
});

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules with no errors", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: text, absoluteRef: "openapi.json", config });
    if (process.env.OPENAPI_LINT_VERBOSE) for (const p of problems) console.log(p.severity, p.ruleId, p.message, p.location[0]?.pointer);
    const errors = problems.filter((p) => p.severity === "error").map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    // The same lint does catch errors: a copy with a duplicated operationId and no info fails.
    const broken = JSON.parse(text);
    delete broken.info;
    broken.paths["/webhooks/v2/task"].post.operationId = broken.paths["/webhooks/v2/health"].get.operationId;
    const caught = (await lintFromString({ source: JSON.stringify(broken), absoluteRef: "broken.json", config })).filter((p) => p.severity === "error").map((p) => p.ruleId);
    expect(caught).toEqual(expect.arrayContaining(["operation-operationId-unique"]));
    expect(caught.length).toBeGreaterThan(1);
  });

  it("gives every operation a unique operationId and a security requirement", () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(40);
    const ids = ops.map(({ op }) => op.operationId);
    expect(ids.filter((id) => typeof id !== "string")).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of ops) expect(Array.isArray(op.security), `${method} ${path}`).toBe(true);
    const byRoute = (method: string, path: string) => doc.paths[`/webhooks/v2${path}`]![method]!;
    expect(byRoute("post", "/task").security).toContainEqual({ bearerAuth: ["task"] });
    expect(byRoute("get", "/metrics").security).toContainEqual({ apiKeyHeader: expect.arrayContaining(["metrics"]) });
    expect(byRoute("get", "/health").security).toEqual([]);
    expect(byRoute("post", "/sources/{provider}").security).toEqual([]);
    for (const scheme of ["bearerAuth", "apiKeyHeader", "apiKeyQuery"]) expect(doc.components.securitySchemes[scheme]).toBeDefined();
  });

  it("describes every delivered event type of the catalogue under webhooks, with an example body", async () => {
    const types = (await api(url, "/event-types", { token: admin })).json.data.items as { type: string }[];
    expect(types.length).toBeGreaterThan(5);
    for (const { type } of types) {
      const op = doc.webhooks[type]?.post as { requestBody: { content: { "application/json": { schema: { example?: { type: string } } } } } } | undefined;
      expect(op, type).toBeDefined();
      expect(op!.requestBody.content["application/json"].schema.example).toBeDefined();
    }
  });

  it("serves a docs page at /webhooks/v2/docs that reads the document", async () => {
    const res = await fetch(`${url}/webhooks/v2/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("/webhooks/v2/openapi.json");
    expect(html).toContain("cdn.jsdelivr.net/npm/@scalar/api-reference@");
  });
});
