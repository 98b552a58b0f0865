/** Env → typed, validated Config, parsed once per env object (i.e. once per isolate). */
import { z } from "zod";
import { parseDurationMs } from "./lib/time";

const bool = z
  .string()
  .optional()
  .transform((v) => v === "true" || v === "1");
const int = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : Number(v)))
    .pipe(z.number().int().nonnegative());
const num = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : Number(v)))
    .pipe(z.number().positive());
/** `a, b,,c` → `["a", "b", "c"]`. */
function splitList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
const list = z
  .string()
  .optional()
  .transform((v) => splitList(v ?? ""));
/** `task=2000,notify=5000` → `{task: 2000, notify: 5000}`. */
const keyedInts = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const out: Record<string, number> = {};
    for (const pair of (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      const [key, value] = pair.split("=");
      const n = Number(value);
      if (!key || !Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: "custom", message: `bad entry "${pair}" (want name=integer)` });
        return z.NEVER;
      }
      out[key.trim()] = n;
    }
    return out;
  });

/** `orders=ORDERS_QUEUE,audit=AUDIT_QUEUE` → `{orders: "ORDERS_QUEUE", ...}` (queue name → binding). */
const queueBindings = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of splitList(v ?? "")) {
      const [name, binding] = pair.split("=").map((s) => s.trim());
      if (!name || !binding || !/^[A-Za-z0-9_-]{1,63}$/.test(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(binding)) {
        ctx.addIssue({ code: "custom", message: `bad entry "${pair}" (want queue-name=BINDING)` });
        return z.NEVER;
      }
      out[name] = binding;
    }
    return out;
  });

const text = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined ? fallback : v.trim()));

/** The Worker secret that holds each inbound provider's signing secret(s). */
export const SOURCE_SECRET_VARS = {
  github: "GITHUB_WEBHOOK_SECRET",
  stripe: "STRIPE_WEBHOOK_SECRET",
  slack: "SLACK_SIGNING_SECRET",
  linear: "LINEAR_WEBHOOK_SECRET",
  shopify: "SHOPIFY_WEBHOOK_SECRET",
  standard: "STANDARD_WEBHOOK_SECRET",
  generic: "GENERIC_WEBHOOK_SECRET",
} as const;

const CONFIG_SCHEMA = z.object({
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be set (16+ chars) as a secret or in .dev.vars"),
  ENCRYPTION_KEY: z.string().optional().default(""),
  ALLOW_PRIVATE_DESTINATIONS: bool,
  BODY_LIMIT_BYTES: int(10 * 1024 * 1024),
  CORS_ORIGINS: list,
  IP_ALLOWLIST: list,
  STRICT_SCHEMAS: bool,
  AUTH_CACHE_TTL_SECONDS: int(30),
  RATE_LIMITS_ENABLED: z
    .string()
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
  RATE_LIMIT_GLOBAL_HOUR: int(100_000),
  RATE_LIMIT_GLOBAL_DAY: int(1_000_000),
  RATE_LIMIT_ENDPOINTS: keyedInts,
  RATE_LIMIT_TOKEN_DEFAULT: int(1000),
  RATE_LIMIT_BURST: num(1.5),
  RATE_LIMIT_BURST_PERIOD_SECONDS: int(60).pipe(z.number().int().min(1).max(86_400)),
  RATE_LIMIT_GLOBAL_SHARDS: int(16).pipe(z.number().int().min(1).max(1024)),
  RATE_LIMIT_KEYED_SHARDS: int(16).pipe(z.number().int().min(1).max(1024)),
  RATE_LIMIT_IP_PER_MINUTE: int(600),
  AUTH_FAILURES_PER_MINUTE: int(20),
  RATE_LIMIT_SOURCE_DEFAULT: int(1200),
  RATE_LIMIT_SOURCES: keyedInts,
  RATE_LIMIT_SLOWDOWN_SOFT: num(0.5).pipe(z.number().max(1)),
  RATE_LIMIT_SLOWDOWN_MAX_MS: int(2000).pipe(z.number().max(10_000)),
  TASK_DEFAULT_DURATION_SECONDS: int(300),
  JWT_JWKS_URL: z.string().optional().default(""),
  JWT_ISSUER: z.string().optional().default(""),
  JWT_AUDIENCE: z.string().optional().default(""),
  JWT_SCOPE_CLAIM: z.string().optional().default("scope"),
  SOURCE_TOLERANCE_SECONDS: int(300),
  SOURCE_DEDUP_HOURS: int(72).pipe(z.number().min(24, "SOURCE_DEDUP_HOURS must be at least 24")),
  GITHUB_WEBHOOK_SECRET: list,
  STRIPE_WEBHOOK_SECRET: list,
  SLACK_SIGNING_SECRET: list,
  LINEAR_WEBHOOK_SECRET: list,
  SHOPIFY_WEBHOOK_SECRET: list,
  STANDARD_WEBHOOK_SECRET: list,
  GENERIC_WEBHOOK_SECRET: list,
  GENERIC_SIGNATURE_HEADER: text("X-Signature").pipe(z.string().min(1, "GENERIC_SIGNATURE_HEADER must name a header")),
  GENERIC_SIGNATURE_ALGORITHM: text("sha256").pipe(z.enum(["sha256", "sha512"])),
  GENERIC_SIGNATURE_ENCODING: text("hex").pipe(z.enum(["hex", "base64"])),
  GENERIC_SIGNATURE_PREFIX: text(""),
  GENERIC_EVENT_TYPE_HEADER: text(""),
  GENERIC_DELIVERY_ID_HEADER: text(""),
  METRICS_ENABLED: z
    .string()
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
  METRICS_FLUSH_SECONDS: num(10),
  METRICS_FLUSH_REQUESTS: int(500).pipe(z.number().min(1)),
  LOG_REQUESTS: z
    .string()
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
  LOG_BODIES: z.enum(["none", "errors", "all"]).optional().default("errors"),
  LOG_REDACT_FIELDS: z.string().optional(),
  INSPECTOR_LIMIT_PER_MINUTE: int(120).pipe(z.number().min(1)),
  PAYLOAD_GZIP_MIN_BYTES: int(65_536).pipe(z.number().max(1_000_000)),
  // Above this a value goes to R2; at most 1.9 MB so that a gzip'd value kept in D1 stays under its 2 MB limit.
  PAYLOAD_R2_MIN_BYTES: int(1_048_576).pipe(z.number().max(1_900_000)),
  RETENTION_EVENTS_DAYS: int(30),
  RETENTION_DELIVERIES_DAYS: int(30),
  RETENTION_AUDIT_DAYS: int(90),
  RETENTION_BATCH_SIZE: int(1000).pipe(z.number().min(1).max(10_000)),
  RETENTION_MAX_BATCHES: int(5).pipe(z.number().min(1)),
  STREAM_HEARTBEAT_MS: int(15_000).pipe(z.number().min(50).max(15_000, "the contract wants a ping at least every 15 s")),
  STREAM_MAX_QUEUED_BYTES: int(1024 * 1024).pipe(z.number().min(1024)),
  STREAM_LEAF_CAPACITY: int(500).pipe(z.number().min(1)),
  STREAM_HUB_LEAVES: int(1).pipe(z.number().min(1).max(1024)),
  STREAM_MAX_REPLAY: text("24h").transform((v, ctx) => {
    const ms = parseDurationMs(v);
    if (ms === null) ctx.addIssue({ code: "custom", message: "STREAM_MAX_REPLAY must be a duration like 30m, 24h or 7d" });
    return ms ?? 0;
  }),
  STREAM_MAX_PER_TOKEN: int(10),
  SUBSCRIPTION_CACHE_TTL_SECONDS: int(5),
  SWEEP_INTERVAL_SECONDS: int(30),
  SWEEP_GRACE_SECONDS: int(30),
  DELIVERY_FAST_PATH_LIMIT: int(10),
  BREAKER_FAILURE_RATE: num(0.5).pipe(z.number().max(1)),
  BREAKER_MIN_REQUESTS: int(20),
  BREAKER_WINDOW_SECONDS: int(60),
  BREAKER_COOLDOWN_SECONDS: int(30),
  AUTO_DISABLE_AFTER_FAILURES: int(50),
  SECRET_ROTATION_GRACE_SECONDS: int(86_400),
  DESTINATION_QUEUES: queueBindings,
  GITHUB_API_URL: text("https://api.github.com").pipe(z.url({ protocol: /^https?$/ })),
  AUTOMATION_WAKE_ON_START: z
    .string()
    .optional()
    .transform((v) => v === "true" || v === "1"),
  IDEMPOTENCY_MAX_BYTES: int(5 * 1024 * 1024).pipe(z.number().min(1024)),
}).superRefine((v, ctx) => {
  // A JWKS alone would accept any issuer's or audience's token signed by those keys.
  if (!v.JWT_JWKS_URL) return;
  for (const name of ["JWT_ISSUER", "JWT_AUDIENCE"] as const) {
    if (!v[name]) ctx.addIssue({ code: "custom", path: [name], message: `${name} must be set when JWT_JWKS_URL is set` });
  }
});

/** Body fields, query parameters and audit details whose values never reach a log line. */
export const DEFAULT_REDACT_FIELDS = ["password", "secret", "token", "authorization", "apiKey", "api_key", "key", "accessToken", "refreshToken", "clientSecret", "privateKey"];

/** The gateway's settings, typed; see docs/OPERATIONS.md for each one's meaning and default. */
export interface Config {
  adminToken: string;
  encryptionKey: string;
  allowPrivateDestinations: boolean;
  bodyLimitBytes: number;
  corsOrigins: string[];
  ipAllowlist: string[];
  strictSchemas: boolean;
  authCacheTtlMs: number;
  rateLimits: {
    enabled: boolean;
    globalPerHour: number;
    globalPerDay: number;
    endpointPerHour: Record<string, number>;
    tokenDefaultPerHour: number;
    /** Burst allowance: multiplies the short-term capacity (the token bucket). */
    burst: number;
    /** The short term the bucket covers: capacity = burst × the hourly limit's share of this period. */
    burstPeriodMs: number;
    /** LimitCounter objects the global quotas are split over (`global:<i>`, each exact for its share). */
    globalShards: number;
  };
  /** Abuse protection: per client IP, per inbound source, and failed authentication (per minute; 0 = off). */
  abuse: {
    /** LimitCounter objects the keyed levels spread over (`ip:<i>`, `source:<i>`, by a stable hash of the key). */
    keyedShards: number;
    ipPerMinute: number;
    authFailuresPerMinute: number;
    sourceDefaultPerMinute: number;
    sourcePerMinute: Record<string, number>;
    /** Past this share of a keyed limit, answers are delayed progressively (slow-down) before the hard 429. */
    slowDownSoft: number;
    /** The delay just below the hard limit (0 = no slow-down). */
    slowDownMaxMs: number;
  };
  taskDefaultDurationMs: number;
  /** Bytes of stored responses one token may keep for idempotent replay (sealed bodies); beyond it, new responses are not kept. */
  idempotencyMaxBytes: number;
  jwt: { jwksUrl: string; issuer: string; audience: string; scopeClaim: string } | null;
  sources: {
    /** Timestamp tolerance for schemes that sign one (Stripe, Slack, Standard Webhooks, Linear). */
    toleranceSeconds: number;
    /** How long provider delivery ids are remembered for deduplication. */
    dedupRetentionMs: number;
    /** Signing secrets from Worker secrets, by provider name (several, comma-separated, during rotation). */
    secrets: Record<keyof typeof SOURCE_SECRET_VARS, string[]>;
    /** The generic provider's scheme when it is configured through Worker vars. */
    generic: GenericSourceOptions;
  };
  metrics: { enabled: boolean; flushIntervalMs: number; flushRequests: number };
  logs: { requests: boolean; bodies: "none" | "errors" | "all"; redactFields: string[] };
  /** Days to keep each kind of row (0 keeps forever), and how much one cron run may delete. */
  /** Payload store thresholds (src/events/payload-store.ts), bytes of UTF-8 text. */
  payloads: { gzipMinBytes: number; r2MinBytes: number };
  retention: { eventsDays: number; deliveriesDays: number; auditDays: number; batchSize: number; maxBatches: number };
  /** Requests an inspector records per minute (the per-IP level is abuse.ipPerMinute, as on every unauthenticated route). */
  inspector: { perMinute: number };
  stream: {
    /** Interval of the `: ping` comment on every open event stream. */
    heartbeatMs: number;
    /** Bytes a stream client may leave untaken before it is dropped as too slow. */
    maxQueuedBytes: number;
    /** Streams one leaf hub holds at most. */
    leafCapacity: number;
    /** Leaves streams are hashed over first (a full leaf passes the stream to the next). */
    leaves: number;
    /** How far back `since` / `Last-Event-ID` may replay. */
    maxReplayMs: number;
    /** Concurrent streams one token may hold (0 = no cap; the admin secret is exempt). */
    maxPerToken: number;
  };
  delivery: {
    /** How long an isolate reuses its copy of the subscriptions for matching at publish. */
    subscriptionCacheTtlMs: number;
    /** How often the sweeper alarm looks for overdue outbox rows while work is outstanding. */
    sweepIntervalMs: number;
    /** How long past due an outbox row must be before the sweep re-enqueues it. */
    sweepGraceMs: number;
    /** Due deliveries a publishing request attempts itself after its commit (0 = all go through the queue). */
    fastPathLimit: number;
    breaker: { failureRate: number; minRequests: number; windowMs: number; cooldownMs: number };
    /** Consecutive failed attempts that disable a subscription (0 = never). */
    disableAfterFailures: number;
    /** How long a rotated-out secret keeps signing beside the new one. */
    secretRotationGraceMs: number;
    /** Queues subscriptions may deliver to: queue name → the Worker's producer binding (DESTINATION_QUEUES). */
    queues: Record<string, string>;
  };
  /** Automation (docs/AUTOMATION.md). */
  automation: {
    /** Base url of the GitHub API the built-in rule templates call. */
    githubApiUrl: string;
    /** Wake active runs once per isolate (the local Workflows engine forgets its timers on restart). */
    wakeOnStart: boolean;
  };
}

/** How the `generic` source finds and checks its signature. */
export interface GenericSourceOptions {
  /** Request header carrying the signature, e.g. `X-Signature`. */
  header: string;
  algorithm: "sha256" | "sha512";
  encoding: "hex" | "base64";
  /** Text before the signature in the header, e.g. `sha256=`; empty for none. */
  prefix: string;
  /** Header naming the event type (`generic.<value>`); null → `generic.webhook`. */
  eventTypeHeader: string | null;
  /** Header carrying a delivery id for deduplication; null → the body's hash. */
  deliveryIdHeader: string | null;
}

/** Thrown when the Worker's vars or secrets are invalid; the message names every bad setting. */
export class ConfigError extends Error {}

const cache = new WeakMap<object, Config>();

/** Parses and caches the configuration for this env object. Throws ConfigError when invalid. */
export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = CONFIG_SCHEMA.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const v = parsed.data;
  const config: Config = {
    adminToken: v.ADMIN_TOKEN,
    encryptionKey: v.ENCRYPTION_KEY,
    allowPrivateDestinations: v.ALLOW_PRIVATE_DESTINATIONS,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    corsOrigins: v.CORS_ORIGINS.length ? v.CORS_ORIGINS : ["*"],
    ipAllowlist: v.IP_ALLOWLIST,
    strictSchemas: v.STRICT_SCHEMAS,
    authCacheTtlMs: v.AUTH_CACHE_TTL_SECONDS * 1000,
    rateLimits: {
      enabled: v.RATE_LIMITS_ENABLED,
      globalPerHour: v.RATE_LIMIT_GLOBAL_HOUR,
      globalPerDay: v.RATE_LIMIT_GLOBAL_DAY,
      endpointPerHour: { task: 2000, notify: 5000, research: 1000, ...v.RATE_LIMIT_ENDPOINTS },
      tokenDefaultPerHour: v.RATE_LIMIT_TOKEN_DEFAULT,
      burst: v.RATE_LIMIT_BURST,
      burstPeriodMs: v.RATE_LIMIT_BURST_PERIOD_SECONDS * 1000,
      globalShards: v.RATE_LIMIT_GLOBAL_SHARDS,
    },
    abuse: {
      keyedShards: v.RATE_LIMIT_KEYED_SHARDS,
      ipPerMinute: v.RATE_LIMITS_ENABLED ? v.RATE_LIMIT_IP_PER_MINUTE : 0,
      authFailuresPerMinute: v.RATE_LIMITS_ENABLED ? v.AUTH_FAILURES_PER_MINUTE : 0,
      sourceDefaultPerMinute: v.RATE_LIMITS_ENABLED ? v.RATE_LIMIT_SOURCE_DEFAULT : 0,
      sourcePerMinute: v.RATE_LIMIT_SOURCES,
      slowDownSoft: v.RATE_LIMIT_SLOWDOWN_SOFT,
      slowDownMaxMs: v.RATE_LIMIT_SLOWDOWN_MAX_MS,
    },
    taskDefaultDurationMs: v.TASK_DEFAULT_DURATION_SECONDS * 1000,
    idempotencyMaxBytes: v.IDEMPOTENCY_MAX_BYTES,
    jwt: v.JWT_JWKS_URL
      ? { jwksUrl: v.JWT_JWKS_URL, issuer: v.JWT_ISSUER, audience: v.JWT_AUDIENCE, scopeClaim: v.JWT_SCOPE_CLAIM }
      : null,
    sources: {
      toleranceSeconds: v.SOURCE_TOLERANCE_SECONDS,
      dedupRetentionMs: v.SOURCE_DEDUP_HOURS * 3_600_000,
      secrets: Object.fromEntries(Object.entries(SOURCE_SECRET_VARS).map(([provider, name]) => [provider, v[name]])) as Config["sources"]["secrets"],
      generic: {
        header: v.GENERIC_SIGNATURE_HEADER,
        algorithm: v.GENERIC_SIGNATURE_ALGORITHM,
        encoding: v.GENERIC_SIGNATURE_ENCODING,
        prefix: v.GENERIC_SIGNATURE_PREFIX,
        eventTypeHeader: v.GENERIC_EVENT_TYPE_HEADER || null,
        deliveryIdHeader: v.GENERIC_DELIVERY_ID_HEADER || null,
      },
    },
    metrics: { enabled: v.METRICS_ENABLED, flushIntervalMs: v.METRICS_FLUSH_SECONDS * 1000, flushRequests: v.METRICS_FLUSH_REQUESTS },
    logs: {
      requests: v.LOG_REQUESTS,
      bodies: v.LOG_BODIES,
      redactFields: v.LOG_REDACT_FIELDS === undefined ? DEFAULT_REDACT_FIELDS : splitList(v.LOG_REDACT_FIELDS),
    },
    payloads: { gzipMinBytes: v.PAYLOAD_GZIP_MIN_BYTES, r2MinBytes: Math.max(v.PAYLOAD_R2_MIN_BYTES, v.PAYLOAD_GZIP_MIN_BYTES) },
    retention: {
      eventsDays: v.RETENTION_EVENTS_DAYS,
      deliveriesDays: v.RETENTION_DELIVERIES_DAYS,
      auditDays: v.RETENTION_AUDIT_DAYS,
      batchSize: v.RETENTION_BATCH_SIZE,
      maxBatches: v.RETENTION_MAX_BATCHES,
    },
    inspector: { perMinute: v.INSPECTOR_LIMIT_PER_MINUTE },
    stream: {
      heartbeatMs: v.STREAM_HEARTBEAT_MS, maxQueuedBytes: v.STREAM_MAX_QUEUED_BYTES, maxReplayMs: v.STREAM_MAX_REPLAY,
      maxPerToken: v.STREAM_MAX_PER_TOKEN, leafCapacity: v.STREAM_LEAF_CAPACITY, leaves: v.STREAM_HUB_LEAVES,
    },
    delivery: {
      subscriptionCacheTtlMs: v.SUBSCRIPTION_CACHE_TTL_SECONDS * 1000,
      sweepIntervalMs: Math.max(1, v.SWEEP_INTERVAL_SECONDS) * 1000,
      sweepGraceMs: v.SWEEP_GRACE_SECONDS * 1000,
      fastPathLimit: v.DELIVERY_FAST_PATH_LIMIT,
      breaker: {
        failureRate: v.BREAKER_FAILURE_RATE,
        minRequests: Math.max(1, v.BREAKER_MIN_REQUESTS),
        windowMs: Math.max(1, v.BREAKER_WINDOW_SECONDS) * 1000,
        cooldownMs: v.BREAKER_COOLDOWN_SECONDS * 1000,
      },
      disableAfterFailures: v.AUTO_DISABLE_AFTER_FAILURES,
      secretRotationGraceMs: v.SECRET_ROTATION_GRACE_SECONDS * 1000,
      queues: v.DESTINATION_QUEUES,
    },
    automation: { githubApiUrl: v.GITHUB_API_URL.replace(/\/+$/, ""), wakeOnStart: v.AUTOMATION_WAKE_ON_START },
  };
  cache.set(env, config);
  return config;
}
