/** Subscription use cases over the repository: build rows (sealed secrets, checked URL), rotate, pause and resume. */
import type { z } from "@hono/zod-openapi";
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { newId } from "../lib/ids";
import { isValidEncryptionKey, sealSecret } from "../lib/secret-box";
import { releaseHeld } from "./store/deliveries";
import { checkDestination } from "./destinations/url-guard";
import { endpointGuard } from "./store/endpoint-guard";
import { enqueueDeliveries, forgetCachedSubscriptions } from "./store/outbox";
import { DEFAULT_RETRY_POLICY } from "./core/retry-policy";
import type { CREATE_SUBSCRIPTION, UPDATE_SUBSCRIPTION } from "./api/schemas";
import { generateSecret } from "./destinations/signer";
import { setStatusStatement, toView, writeSubscription, type AuthInfo, type AuthSecret, type SubscriptionRow, type SubscriptionStatus } from "./store/subscriptions";

export type CreateInput = z.infer<typeof CREATE_SUBSCRIPTION>;
export type UpdateInput = z.infer<typeof UPDATE_SUBSCRIPTION>;

function encryptionKey(config: Config): string {
  if (!isValidEncryptionKey(config.encryptionKey)) {
    throw new AppError("SERVICE_UNAVAILABLE", "ENCRYPTION_KEY is not configured (base64 of 32 bytes); subscriptions cannot store secrets");
  }
  return config.encryptionKey;
}

/** Refuses URLs the destination guard rejects, with a 400 naming the reason. */
export function assertDestination(url: string, config: Config): void {
  const verdict = checkDestination(url, { allowPrivate: config.allowPrivateDestinations });
  if (!verdict.ok) {
    throw new AppError("SCHEMA_VALIDATION_ERROR", `Invalid body: url: ${verdict.reason}`, {
      details: { field: "url", reason: verdict.reason, issues: [{ field: "url", reason: verdict.reason }] },
    });
  }
}

function splitAuth(auth: CreateInput["auth"]): { info: AuthInfo; secret: AuthSecret | null } {
  switch (auth?.type) {
    case "basic":
      return { info: { type: "basic", username: auth.username }, secret: { password: auth.password } };
    case "bearer":
      return { info: { type: "bearer" }, secret: { token: auth.token } };
    case "api-key":
      return { info: { type: "api-key", header: auth.header }, secret: { key: auth.key } };
    case "hmac":
      return { info: { type: "hmac", header: auth.header, algorithm: auth.algorithm, encoding: auth.encoding }, secret: { secret: auth.secret } };
    default:
      return { info: { type: "none" }, secret: null };
  }
}

/** Applies configuration fields to a row (sealing outbound credentials). */
async function applyConfig(row: SubscriptionRow, input: UpdateInput, config: Config): Promise<void> {
  if (input.url !== undefined) {
    assertDestination(input.url, config);
    row.url = new URL(input.url).toString();
  }
  if (input.events !== undefined) row.events = JSON.stringify([...new Set(input.events)]);
  if (input.name !== undefined) row.name = input.name;
  if (input.description !== undefined) row.description = input.description;
  if (input.headers !== undefined) row.headers = JSON.stringify(input.headers);
  if (input.method !== undefined) row.method = input.method;
  if (input.auth !== undefined) {
    const { info, secret } = splitAuth(input.auth);
    row.auth_info = JSON.stringify(info);
    row.auth_enc = secret ? await sealSecret(encryptionKey(config), JSON.stringify(secret), row.id) : null;
  }
  if (input.filters !== undefined) row.filters = input.filters === null ? null : JSON.stringify(input.filters);
  if ("template" in input) row.template = input.template === undefined || input.template === null ? null : JSON.stringify(input.template);
  if (input.retryPolicy !== undefined) row.retry_policy = JSON.stringify({ ...JSON.parse(row.retry_policy), ...input.retryPolicy });
  if (input.timeoutMs !== undefined) row.timeout_ms = input.timeoutMs;
  if (input.rateLimit !== undefined) row.rate_limit = input.rateLimit;
}

/** A new row from a create body, with its secret (generated unless given) in clear for the response. */
export async function newSubscriptionRow(input: CreateInput, config: Config, createdBy: string, now: number): Promise<{ row: SubscriptionRow; secret: string }> {
  const id = newId("sub");
  const secret = input.secret ?? generateSecret();
  const row: SubscriptionRow = {
    id,
    name: null,
    description: null,
    url: "",
    events: "[]",
    method: "POST",
    headers: null,
    auth_info: JSON.stringify({ type: "none" }),
    auth_enc: null,
    filters: null,
    template: null,
    retry_policy: JSON.stringify(DEFAULT_RETRY_POLICY),
    timeout_ms: 30_000,
    rate_limit: null,
    status: input.active === false ? "paused" : "active",
    disabled_reason: null,
    consecutive_failures: 0,
    secret_enc: await sealSecret(encryptionKey(config), secret, id),
    previous_secret_enc: null,
    previous_secret_expires_at: null,
    created_by: createdBy,
    created_at: now,
    updated_at: now,
    status_changed_at: now,
    last_attempt_at: null,
    last_success_at: null,
  };
  await applyConfig(row, { ...input, template: input.template }, config);
  return { row, secret };
}

/** PATCH (partial) or PUT (`replace`: every field, omitted ones back to defaults). */
export async function updatedRow(existing: SubscriptionRow, input: UpdateInput, config: Config, now: number, replace: boolean): Promise<SubscriptionRow> {
  const row = { ...existing, updated_at: now };
  if (replace) {
    Object.assign(row, { name: null, description: null, headers: null, auth_info: JSON.stringify({ type: "none" }), auth_enc: null, filters: null, template: null });
    row.retry_policy = JSON.stringify(DEFAULT_RETRY_POLICY);
    row.rate_limit = null;
  }
  await applyConfig(row, replace ? { ...input, template: input.template } : input, config);
  return row;
}

/** Seals a new secret; the old one keeps signing for `graceMs`. Returns the new row and the secret in clear. */
export async function rotatedRow(existing: SubscriptionRow, config: Config, now: number, graceMs: number, secret = generateSecret()): Promise<{ row: SubscriptionRow; secret: string }> {
  const row: SubscriptionRow = {
    ...existing,
    secret_enc: await sealSecret(encryptionKey(config), secret, existing.id),
    previous_secret_enc: graceMs > 0 ? existing.secret_enc : null,
    previous_secret_expires_at: graceMs > 0 ? now + graceMs : null,
    updated_at: now,
  };
  return { row, secret };
}

/** Saves a row, drops the isolate's matcher snapshot, and syncs the endpoint guard's rate. */
export async function saveSubscription(env: Env, row: SubscriptionRow, previous: SubscriptionRow | null): Promise<void> {
  if (!(await writeSubscription(env.DB, row))) throw new AppError("NOT_FOUND", "Subscription not found");
  forgetCachedSubscriptions();
  if (!previous || previous.rate_limit !== row.rate_limit) await endpointGuard(env, row.id).configure(row.rate_limit);
}

/**
 * Moves a subscription to `status`. Becoming active resets its health and re-enqueues every held
 * delivery (catch-up); the messages are returned for the caller to send.
 */
export async function changeStatus(env: Env, row: SubscriptionRow, status: SubscriptionStatus, reason: string | null, now: number) {
  await env.DB.batch([setStatusStatement(env.DB, row.id, status, reason, now)]);
  forgetCachedSubscriptions();
  let released = 0;
  if (status === "active") {
    await endpointGuard(env, row.id).reset();
    const messages = await releaseHeld(env.DB, row.id, now);
    await enqueueDeliveries(env.DELIVERIES, messages);
    released = messages.length;
  }
  const view = toView({ ...row, status, disabled_reason: reason, consecutive_failures: status === "active" ? 0 : row.consecutive_failures, status_changed_at: now, updated_at: now }, now);
  return { ...view, released };
}
