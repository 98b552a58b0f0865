/** Turns `integration: {id, params}` into a subscription's destination (url, method, headers, auth) and body template. */
import { AppError } from "../http/errors";
import { render } from "../templates";
import { findIntegration } from "./registry";
import type { Integration, IntegrationAuth } from "./types";

/** What a subscription gets from an integration. */
export interface IntegrationConfig {
  url: string;
  method: Integration["method"];
  headers?: Record<string, string>;
  auth?: { type: "bearer"; token: string } | { type: "basic"; username: string; password: string } | { type: "api-key"; header: string; key: string };
  /** null: the plain event body. */
  template: unknown;
}

const PARAM_PLACEHOLDER = /\{\{\s*params\.([A-Za-z_][\w]*)\s*\}\}/g;
/** Params may hold line breaks and tabs but no other control characters (nor placeholders of their own). */
const BAD_PARAM = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|\{\{/;

function invalid(field: string, reason: string): AppError {
  return new AppError("SCHEMA_VALIDATION_ERROR", `Invalid body: ${field}: ${reason}`, { details: { field, reason, issues: [{ field, reason }] } });
}

/** The params with defaults filled in; throws naming the first missing required or unknown param. */
export function resolveParams(integration: Integration, given: Record<string, unknown>): Record<string, string> {
  const known = new Set(integration.params.map((p) => p.name));
  const unknown = Object.keys(given).find((name) => !known.has(name));
  if (unknown) throw invalid(`integration.params.${unknown}`, `${integration.id} has no param ${unknown} (params: ${[...known].join(", ")})`);
  const params: Record<string, string> = {};
  for (const p of integration.params) {
    const value = given[p.name];
    if (value === undefined || value === null || value === "") {
      if (p.required) throw invalid(`integration.params.${p.name}`, `required param ${p.name} is missing (${p.description})`);
      params[p.name] = p.default ?? "";
      continue;
    }
    if (typeof value !== "string" || value.length > 4000) throw invalid(`integration.params.${p.name}`, "must be a string of at most 4000 characters");
    if (BAD_PARAM.test(value)) throw invalid(`integration.params.${p.name}`, "cannot hold control characters or {{");
    params[p.name] = value;
  }
  return params;
}

/** Binds params into a body template: `{{params.x}}` becomes a string literal, in values and keys; event placeholders stay. */
export function bindParams(template: unknown, params: Record<string, string>): unknown {
  const bind = (text: string) => text.replace(PARAM_PLACEHOLDER, (_m, name: string) => `{{ ${JSON.stringify(params[name] ?? "")} }}`);
  if (typeof template === "string") return bind(template);
  if (Array.isArray(template)) return template.map((item) => bindParams(item, params));
  if (template !== null && typeof template === "object") {
    const fill = (text: string) => text.replace(PARAM_PLACEHOLDER, (_m, name: string) => params[name] ?? "");
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [fill(key), bindParams(value, params)]));
  }
  return template;
}

function text(template: string, params: Record<string, string>): string {
  return String(render(template, { params }) ?? "");
}

function authOf(auth: IntegrationAuth | undefined, params: Record<string, string>): IntegrationConfig["auth"] {
  if (!auth) return undefined;
  switch (auth.type) {
    case "bearer": {
      const token = text(auth.token, params);
      return token ? { type: "bearer", token } : undefined;
    }
    case "basic":
      return { type: "basic", username: text(auth.username, params), password: text(auth.password, params) };
    case "api-key":
      return { type: "api-key", header: auth.header, key: text(auth.key, params) };
  }
}

/** The destination and template of `integration: {id, params}`; 400 for an unknown id or a missing param. */
export function integrationConfig(id: string, given: Record<string, unknown>): IntegrationConfig {
  const integration = findIntegration(id);
  if (!integration) throw invalid("integration.id", `unknown integration ${id} (GET /integrations lists them)`);
  const params = resolveParams(integration, given);
  const headers = integration.headers && Object.fromEntries(Object.entries(integration.headers).map(([k, v]) => [k, text(v, params)]));
  const auth = authOf(integration.auth, params);
  return {
    url: text(integration.url, params),
    method: integration.method,
    ...(headers ? { headers } : {}),
    ...(auth ? { auth } : {}),
    template: integration.body === null ? null : bindParams(integration.body, params),
  };
}

/** A create or replace body: `integration` (if present) becomes url, method, headers, auth and template, which it may not be combined with. */
export function withIntegration<T extends { url?: string; integration?: { id: string; params: Record<string, unknown> }; template?: unknown }>(input: T): Omit<T, "integration"> & { url: string } {
  const { integration, ...rest } = input;
  if (!integration) {
    // A `destination` object (delivery engine v2) stands in for the url shorthand.
    if (rest.url === undefined && (rest as { destination?: unknown }).destination === undefined) throw invalid("url", "url or destination is required (or give integration: {id, params})");
    return rest as Omit<T, "integration"> & { url: string };
  }
  const clash = (["url", "destination", "template", "auth", "method"] as const).find((field) => (rest as Record<string, unknown>)[field] !== undefined && !(field === "method" && (rest as Record<string, unknown>).method === "POST"));
  if (clash) throw invalid(clash, `${clash} cannot be combined with integration`);
  const config = integrationConfig(integration.id, integration.params);
  const headers = { ...(config.headers ?? {}), ...((rest as { headers?: Record<string, string> }).headers ?? {}) };
  return { ...rest, ...config, headers };
}

/** A sample event for catalogue examples and tests. */
export const SAMPLE_EVENT = {
  id: "evt-000001767225600000-aB3dE5",
  type: "notify.sent",
  timestamp: "2026-01-01T00:00:00.000Z",
  data: { notifId: "notif-Zk2Lm9Qp4Rt7Vx1B", channel: "ops", status: "queued", title: "Disk almost full on db-1", body: "93% used on /var", priority: "P1" },
} as const;
