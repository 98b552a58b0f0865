/** Subscription use cases over the store: build rows (sealed secrets, validated destination), targeted updates, rotate, pause and resume. */
import type { z } from "@hono/zod-openapi";
import type { Config } from "../config";
import { AppError } from "../http/errors";
import { newId } from "../lib/ids";
import { isValidEncryptionKey, sealSecret } from "../lib/secret-box";
import { releaseHeld } from "./store/deliveries";
import { destinationOf } from "./destinations/registry";
import type { ValidateContext } from "./destinations/types";
import { endpointGuard } from "./store/endpoint-guard";
import { enqueueDeliveries, forgetCachedSubscriptions } from "./store/outbox";
import { DEFAULT_RETRY_POLICY } from "./core/retry-policy";
import { modeConflict } from "./core/modes";
import type { CREATE_SUBSCRIPTION, UPDATE_SUBSCRIPTION } from "./schemas";
import { generateSecret } from "./destinations/signer";
import { credentialsAfterUrlChange, type StoredCredential } from "./core/credentials-after-url-change";
import { HEADER_MASK, sealHeaders } from "./core/sealed-headers";
import { generateKeyPair } from "../lib/ed25519";
import { batchOf, rotateSecret, rowDb, setStatusStatement, type SigningScheme, toView, updateSubscription, type SubscriptionChanges, type AuthInfo, type AuthSecret, type SubscriptionRow, type SubscriptionStatus } from "./store/subscriptions";

/** What an integration adds to an input (withIntegration): the url template and the secret params to seal. */
export interface SealedParamsInput {
  /** The url with secret params as `{{params.x}}`; `url` is then the masked one (null: none). */
  urlTemplate?: string | null;
  /** Secret params in clear, sealed into params_enc. */
  secretParams?: Record<string, string>;
}
export type CreateInput = z.infer<typeof CREATE_SUBSCRIPTION> & SealedParamsInput;
export type UpdateInput = z.infer<typeof UPDATE_SUBSCRIPTION> & SealedParamsInput;

function encryptionKey(config: Config): string {
  if (!isValidEncryptionKey(config.encryptionKey)) {
    throw new AppError("SERVICE_UNAVAILABLE", "ENCRYPTION_KEY is not configured (base64 of 32 bytes); subscriptions cannot store secrets");
  }
  return config.encryptionKey;
}

/** A 400 naming the field (`url`, `destination.queue`, …) the way schema validation does. */
function invalid(field: string, reason: string): AppError {
  return new AppError("SCHEMA_VALIDATION_ERROR", `Invalid body: ${field}: ${reason}`, { details: { field, reason, issues: [{ field, reason }] } });
}

/** Refuses a destination config its type's validate() rejects; `prefix` names where it came from. */
function assertValid(config: { type: string }, ctx: ValidateContext, prefix: string): void {
  const destination = destinationOf(config.type);
  if (!destination) throw invalid(`${prefix}type`, `unknown destination type "${config.type}"`);
  const verdict = destination.validate(config, ctx);
  if (!verdict.ok) throw invalid(`${prefix}${verdict.field}`, verdict.reason);
}

/** Splits outbound auth into its shown part and its sealed credentials (subscriptions and rule http steps). */
export function splitAuth(auth: CreateInput["auth"]): { info: AuthInfo; secret: AuthSecret | null } {
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

/** The http shorthand fields of an input, whether given top-level or as `destination: {type: "http", …}`. */
function httpFields(input: UpdateInput): { fields: Pick<UpdateInput, "url" | "method" | "headers" | "auth">; prefix: string } | null {
  if (input.destination !== undefined && input.url !== undefined) throw invalid("destination", "give destination or the url shorthand, not both");
  if (input.destination?.type === "http") {
    const { type: _type, ...fields } = input.destination;
    return { fields, prefix: "destination." };
  }
  if (input.destination) return null;
  return { fields: input, prefix: "" };
}

/** Seals the header values of `input` (a masked value keeps the one in `previous`); 400 naming a masked value with nothing to keep. */
async function sealedHeaderColumn(id: string, headers: Record<string, string>, config: Config, previous: string | null): Promise<string | null> {
  const { column, missing } = await sealHeaders(headers, { key: encryptionKey(config), subscriptionId: id, previous });
  if (missing.length) {
    const field = `headers.${missing[0]}`;
    const reason = `"${HEADER_MASK}" keeps a stored value, and there is none to keep here (a new url origin needs every value again)`;
    throw new AppError("SCHEMA_VALIDATION_ERROR", `Invalid body: ${field}: ${reason}`, { details: { field, reason, issues: missing.map((name) => ({ field: `headers.${name}`, reason })) } });
  }
  return column;
}

/** A stored url template and the shown url it goes with: sending that url back keeps the template. */
type KeptUrl = Pick<SubscriptionRow, "url" | "url_template">;

/**
 * The columns an input changes (sealing outbound credentials and secret params), starting from
 * `base` for the values a change is relative to. Only fields present in the input appear in the
 * result. `previousHeaders` is the stored header column whose values masked input values keep
 * (null: none); `kept` the url template an unchanged shown url keeps.
 */
async function configChanges(id: string, base: SubscriptionRow, input: UpdateInput, ctx: ValidateContext, previousHeaders: string | null = null, kept: KeptUrl | null = null): Promise<SubscriptionChanges> {
  const changes: SubscriptionChanges = {};
  const http = httpFields(input);
  if (http === null) {
    const config = input.destination!;
    assertValid(config, ctx, "destination.");
    const { type, ...rest } = config;
    Object.assign(changes, { destination_type: type, destination_config: JSON.stringify(rest), url: "", url_template: null, params_enc: null, method: "POST", headers: null, auth_info: JSON.stringify({ type: "none" }), auth_enc: null });
  } else {
    const { fields, prefix } = http;
    if (fields.url !== undefined) {
      const url = fields.url;
      assertValid({ type: "http", url } as { type: string }, ctx, prefix);
      const normal = new URL(url).toString();
      const template = input.urlTemplate ?? (kept && normal === kept.url ? kept.url_template : null);
      Object.assign(changes, { url: normal, url_template: template, destination_type: "http", destination_config: null });
    }
    if (input.secretParams !== undefined) {
      const sealed = await sealHeaders(input.secretParams, { key: encryptionKey(ctx.gateway), subscriptionId: id, previous: null, kind: "param" });
      changes.params_enc = sealed.column;
    }
    if (fields.headers !== undefined) changes.headers = await sealedHeaderColumn(id, fields.headers, ctx.gateway, previousHeaders);
    if (fields.method !== undefined) changes.method = fields.method;
    if (fields.auth !== undefined) {
      const { info, secret } = splitAuth(fields.auth);
      changes.auth_info = JSON.stringify(info);
      changes.auth_enc = secret ? await sealSecret(encryptionKey(ctx.gateway), JSON.stringify(secret), id) : null;
    }
  }
  if (input.events !== undefined) changes.events = JSON.stringify([...new Set(input.events)]);
  if (input.name !== undefined) changes.name = input.name;
  if (input.description !== undefined) changes.description = input.description;
  if (input.filters !== undefined) changes.filters = input.filters === null ? null : JSON.stringify(input.filters);
  if ("template" in input) changes.template = input.template === undefined || input.template === null ? null : JSON.stringify(input.template);
  if (input.retryPolicy !== undefined) changes.retry_policy = JSON.stringify({ ...JSON.parse(base.retry_policy), ...input.retryPolicy });
  if (input.timeoutMs !== undefined) changes.timeout_ms = input.timeoutMs;
  if (input.rateLimit !== undefined) changes.rate_limit = input.rateLimit;
  if (input.batch !== undefined) changes.batch = input.batch === null ? null : JSON.stringify(input.batch);
  if (input.ordering !== undefined) changes.ordering = input.ordering === null ? null : JSON.stringify(input.ordering);
  if (input.requireVerification !== undefined) changes.require_verification = input.requireVerification ? 1 : 0;
  if (changes.url !== undefined && changes.url !== base.url) changes.verified_at = null;
  if (input.signing !== undefined) Object.assign(changes, await signingChanges(id, base, input.signing.scheme, ctx.gateway));
  return changes;
}

/** The signing columns for `scheme`: an Ed25519 key pair is made (sealed) the first time it is needed. */
async function signingChanges(id: string, base: SubscriptionRow, scheme: SigningScheme, config: Config): Promise<SubscriptionChanges> {
  if (scheme === "hmac" || base.signing_key_enc !== null) return { signing_scheme: scheme };
  const pair = await generateKeyPair();
  return { signing_scheme: scheme, signing_key_enc: await sealSecret(encryptionKey(config), pair.secretKey, `${id}:ed25519`), signing_public_key: pair.publicKey };
}

/** Refuses delivery modes that do not fit together on the row as it would be stored (400 naming the field). */
function assertModes(row: Pick<SubscriptionRow, "batch" | "ordering" | "template">): void {
  const conflict = modeConflict({ batch: batchOf(row), ordering: row.ordering === null ? null : JSON.parse(row.ordering), template: row.template === null ? null : JSON.parse(row.template) });
  if (conflict) throw invalid(conflict.field, conflict.reason);
}

/** What a create or replace starts from: every configuration column at its default. */
const DEFAULT_CONFIG = {
  name: null,
  description: null,
  url: "",
  method: "POST",
  headers: null,
  auth_info: JSON.stringify({ type: "none" }),
  auth_enc: null,
  filters: null,
  template: null,
  retry_policy: JSON.stringify(DEFAULT_RETRY_POLICY),
  timeout_ms: 30_000,
  rate_limit: null,
  destination_type: "http",
  destination_config: null,
  params_enc: null,
  url_template: null,
  batch: null,
  ordering: null,
  require_verification: 0,
  signing_scheme: "hmac",
} satisfies SubscriptionChanges;

/** A new row from a create body, with its secret (generated unless given) in clear for the response. */
export async function newSubscriptionRow(input: CreateInput, ctx: ValidateContext, createdBy: string, now: number, tenantId: string): Promise<{ row: SubscriptionRow; secret: string }> {
  if (input.url === undefined && input.destination === undefined) throw invalid("url", "url or destination is required");
  const id = newId("sub");
  const secret = input.secret ?? generateSecret();
  const base: SubscriptionRow = {
    id,
    tenant_id: tenantId,
    ...DEFAULT_CONFIG,
    events: "[]",
    status: input.active === false ? "paused" : "active",
    disabled_reason: null,
    consecutive_failures: 0,
    secret_enc: await sealSecret(encryptionKey(ctx.gateway), secret, id),
    previous_secret_enc: null,
    previous_secret_expires_at: null,
    created_by: createdBy,
    created_at: now,
    updated_at: now,
    status_changed_at: now,
    last_attempt_at: null,
    last_success_at: null,
    verified_at: null,
    last_probe: null,
    signing_key_enc: null,
    signing_public_key: null,
    signing_overlap_until: null,
  };
  const row = { ...base, ...(await configChanges(id, base, { ...input, template: input.template }, ctx)) };
  assertModes(row);
  return { row, secret };
}

/** Which stored credentials a change of the http url drops (those not supplied again), and whether masked header values may keep theirs. */
function credentialVerdict(existing: SubscriptionRow, input: UpdateInput) {
  const http = input.destination?.type === "http" ? input.destination : input.destination ? null : input;
  return credentialsAfterUrlChange({
    previousUrl: existing.url,
    nextUrl: http?.url,
    authSupplied: http?.auth !== undefined,
    headersSupplied: http?.headers !== undefined,
    hasAuth: existing.auth_enc !== null,
    hasHeaders: existing.headers !== null,
    paramsSupplied: input.secretParams !== undefined,
    hasParams: existing.params_enc !== null,
  });
}

/**
 * PATCH (partial) or PUT (`replace`: every field, omitted ones back to defaults): writes only the
 * columns that change, drops the isolate's matcher snapshot, syncs the guard's rate, and returns
 * the row as stored now. When the url's origin changes, stored credentials not supplied again are
 * dropped; `droppedCredentials` names them.
 */
export async function updateConfig(env: Env, existing: SubscriptionRow, input: UpdateInput, ctx: ValidateContext, now: number, replace: boolean): Promise<{ row: SubscriptionRow; droppedCredentials: StoredCredential[] }> {
  if (replace && input.url === undefined && input.destination === undefined) throw invalid("url", "url or destination is required");
  const verdict = credentialVerdict(existing, input);
  const previousHeaders = verdict.mayKeepMaskedHeaders ? existing.headers : null;
  const kept = verdict.mayKeepParams && existing.url_template !== null ? existing : null;
  const dropped: SubscriptionChanges = {
    ...(verdict.dropped.includes("auth") ? { auth_info: JSON.stringify({ type: "none" }), auth_enc: null } : {}),
    ...(verdict.dropped.includes("headers") ? { headers: null } : {}),
    ...(verdict.dropped.includes("params") ? { params_enc: null } : {}),
  };
  // Sealed params stay with their url (a replace's template may still name them).
  const keptParams = verdict.mayKeepParams ? { params_enc: existing.params_enc } : {};
  const changes = replace
    ? { ...DEFAULT_CONFIG, ...keptParams, ...(await configChanges(existing.id, { ...existing, ...DEFAULT_CONFIG }, { ...input, template: input.template }, ctx, previousHeaders, kept)) }
    : { ...dropped, ...(await configChanges(existing.id, existing, input, ctx, previousHeaders, kept)) };
  assertModes({ ...existing, ...changes });
  // A switch of scheme keeps the old one signing beside the new for the rotation grace period.
  if (changes.signing_scheme !== undefined && changes.signing_scheme !== existing.signing_scheme) changes.signing_overlap_until = now + ctx.gateway.delivery.secretRotationGraceMs;
  const row = await updateSubscription(rowDb(env.DB, existing), existing.id, changes, now);
  if (!row) throw new AppError("NOT_FOUND", "Subscription not found");
  forgetCachedSubscriptions();
  if (existing.rate_limit !== row.rate_limit) await endpointGuard(env, row.id).configure(row.rate_limit);
  if (existing.require_verification === 1 && row.require_verification === 0) await releaseDeliverable(env, row, now);
  return { row, droppedCredentials: verdict.dropped };
}

/** Seals a new secret for a row found in the caller's scope; the stored one keeps signing for `graceMs`. Returns the row and the secret in clear. */
export async function rotate(env: Env, existing: SubscriptionRow, gateway: Config, now: number, graceMs: number, secret = generateSecret()): Promise<{ row: SubscriptionRow; secret: string }> {
  const id = existing.id;
  const row = await rotateSecret(rowDb(env.DB, existing), id, await sealSecret(encryptionKey(gateway), secret, id), graceMs > 0 ? now + graceMs : null, now);
  if (!row) throw new AppError("NOT_FOUND", "Subscription not found");
  return { row, secret };
}

/** Re-enqueues the held deliveries of a subscription that may deliver now (active, verified when required); returns how many. */
export async function releaseDeliverable(env: Env, row: Pick<SubscriptionRow, "id" | "tenant_id" | "status" | "require_verification" | "verified_at">, now: number): Promise<number> {
  if (row.status !== "active" || (row.require_verification === 1 && row.verified_at === null)) return 0;
  const messages = await releaseHeld(rowDb(env.DB, row), row.id, now);
  await enqueueDeliveries(env.DELIVERIES, messages);
  return messages.length;
}

/**
 * Moves a subscription to `status`. Becoming active resets its health and re-enqueues every held
 * delivery (catch-up); the messages are returned for the caller to send.
 */
export async function changeStatus(env: Env, row: SubscriptionRow, status: SubscriptionStatus, reason: string | null, now: number) {
  await setStatusStatement(rowDb(env.DB, row), row.id, status, reason, now).run();
  forgetCachedSubscriptions();
  let released = 0;
  if (status === "active") {
    await endpointGuard(env, row.id).reset();
    released = await releaseDeliverable(env, { ...row, status }, now);
  }
  const view = toView({ ...row, status, disabled_reason: reason, consecutive_failures: status === "active" ? 0 : row.consecutive_failures, status_changed_at: now, updated_at: now }, now);
  return { ...view, released };
}
