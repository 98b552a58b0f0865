/** The catalogue of event types the gateway emits: description, JSON Schema of `data` and an example for each (the one registry emit sites use). */
import { ANY, arrayOf, DATE_TIME, INTEGER, NUMBER, STRING, nullable, objectSchema, oneOf, type JsonSchema } from "./json-schema";

/** One catalogue entry. `type` is an exact type, or `prefix.*` for a family (provider events). */
export interface EventTypeInfo {
  type: string;
  description: string;
  schema: JsonSchema;
  example: Record<string, unknown>;
}

/** One entry, keeping its type name as a literal type (GatewayEventType is built from them). */
const entry = <T extends string>(info: EventTypeInfo & { type: T }): EventTypeInfo & { type: T } => info;

const TASK_ID = STRING;
const HEALTH_CHECKS = objectSchema({ database: STRING, queue: STRING, durableObjects: STRING }, []);
const PROVIDER = objectSchema({}, []);

/** Every built-in event type; provider events are listed by pattern (`github.*`, ...). POST /events may publish any other type. */
export const EVENT_CATALOGUE = [
  entry({ type: "task.created", description: "A task was submitted through POST /task.", schema: objectSchema({ taskId: TASK_ID, title: STRING, priority: oneOf("low", "medium", "high"), deadline: nullable(DATE_TIME), tags: arrayOf(STRING), expected: STRING }, ["taskId", "title", "priority"]), example: { taskId: "task-3kT9xQ2mV7pL1aZc", title: "Summarise the weekly sales report", priority: "high", deadline: "2026-01-02T09:00:00.000Z", tags: ["reports"] } }),
  entry({ type: "task.started", description: "A worker reported a task as running (PATCH /task/:id).", schema: objectSchema({ taskId: TASK_ID }), example: { taskId: "task-3kT9xQ2mV7pL1aZc" } }),
  entry({ type: "task.completed", description: "A worker reported a task as completed.", schema: objectSchema({ taskId: TASK_ID, result: ANY, duration: NUMBER }), example: { taskId: "task-3kT9xQ2mV7pL1aZc", result: "Report sent to #sales", duration: 42000 } }),
  entry({ type: "task.failed", description: "A worker reported a task as failed.", schema: objectSchema({ taskId: TASK_ID, error: STRING, timestamp: DATE_TIME }), example: { taskId: "task-3kT9xQ2mV7pL1aZc", error: "Source spreadsheet not found", timestamp: "2026-01-01T10:00:00.000Z" } }),
  entry({ type: "notify.sent", description: "Per channel of POST /notify: at acceptance (status queued, or failed for an unknown channel; the channel's subscription delivers it), and again with the final status (delivered or failed, with deliveryId and attempts) once that delivery ends. notificationId (as in the POST /notify response) and notifId (the contract's name) carry the same id.", schema: objectSchema({ notifId: STRING, notificationId: STRING, channel: STRING, status: oneOf("delivered", "queued", "failed"), title: STRING, body: STRING, priority: STRING, deliveryId: STRING, attempts: INTEGER, error: STRING }, ["notifId", "channel", "status"]), example: { notifId: "notif-Zk2Lm9Qp4Rt7Vx1B", notificationId: "notif-Zk2Lm9Qp4Rt7Vx1B", channel: "ops-slack", status: "delivered" } }),
  entry({ type: "research.started", description: "A research job was started.", schema: objectSchema({ researchId: STRING, topic: STRING }), example: { researchId: "res-8HnB2vQk5Lw1Xc9Z", topic: "Edge databases in 2026" } }),
  entry({ type: "research.completed", description: "A worker delivered a research report.", schema: objectSchema({ researchId: STRING, report: ANY }), example: { researchId: "res-8HnB2vQk5Lw1Xc9Z", report: "# Findings\n..." } }),
  entry({ type: "subscription.disabled", description: "A subscription was disabled automatically (410 Gone or too many consecutive failures).", schema: objectSchema({ subscriptionId: STRING, url: STRING, reason: STRING, consecutiveFailures: INTEGER }, ["subscriptionId", "reason"]), example: { subscriptionId: "sub-Qw3Er5Ty7Ui9Op1A", url: "https://example.com/hooks", reason: "50 consecutive failed attempts", consecutiveFailures: 50 } }),
  entry({ type: "subscription.enabled", description: "A paused or disabled subscription was resumed (POST /subscriptions/:id/resume, or active: true).", schema: objectSchema({ subscriptionId: STRING }), example: { subscriptionId: "sub-Qw3Er5Ty7Ui9Op1A" } }),
  entry({ type: "delivery.failed", description: "A delivery exhausted its retries (or met an answer that is not retried) and went to the dead-letter queue.", schema: objectSchema({ deliveryId: STRING, subscriptionId: STRING, eventId: STRING, attempts: INTEGER, lastStatus: nullable(INTEGER), error: nullable(STRING) }, ["deliveryId", "subscriptionId", "eventId", "attempts"]), example: { deliveryId: "dlv-7Hk2Lp9Qx4Rt1Vz", subscriptionId: "sub-Qw3Er5Ty7Ui9Op1A", eventId: "evt-000001767225600000-aB3dE5", attempts: 5, lastStatus: 503, error: "HTTP 503" } }),
  entry({ type: "api.key.created", description: "An API token was created (POST /tokens).", schema: objectSchema({ tokenId: STRING, name: STRING, type: STRING }), example: { tokenId: "tok-Mn4Bv6Cx8Zl0Kj2H", name: "zapier production", type: "zapier" } }),
  entry({ type: "api.key.revoked", description: "An API token was revoked or deleted.", schema: objectSchema({ tokenId: STRING, name: STRING }), example: { tokenId: "tok-Mn4Bv6Cx8Zl0Kj2H", name: "zapier production" } }),
  entry({ type: "api.limit.exceeded", description: "A request was refused by a rate limit (at most once per token and level per window).", schema: objectSchema({ tokenId: nullable(STRING), level: oneOf("global", "endpoint", "token", "tenant"), limit: INTEGER, windowSeconds: INTEGER }, ["level", "limit", "windowSeconds"]), example: { tokenId: "tok-Mn4Bv6Cx8Zl0Kj2H", level: "token", limit: 1000, windowSeconds: 3600 } }),
  entry({ type: "system.health.degraded", description: "The /health roll-up left healthy (checked by the cron).", schema: objectSchema({ status: oneOf("degraded", "unhealthy"), previous: STRING, checks: HEALTH_CHECKS }, ["checks"]), example: { status: "degraded", previous: "healthy", checks: { database: "ok", queue: "error", durableObjects: "ok" } } }),
  entry({ type: "system.health.restored", description: "The /health roll-up is healthy again (checked by the cron).", schema: objectSchema({ status: oneOf("healthy"), previous: STRING, checks: HEALTH_CHECKS }, ["checks"]), example: { status: "healthy", previous: "degraded", checks: { database: "ok", queue: "ok", durableObjects: "ok" } } }),
  entry({ type: "workflow.started", description: "A rule started a workflow run.", schema: objectSchema({ runId: STRING, ruleId: STRING, eventId: STRING }), example: { runId: "rule-1-evt-1", ruleId: "rule-1", eventId: "evt-1" } }),
  entry({ type: "workflow.completed", description: "A workflow run completed.", schema: objectSchema({ runId: STRING, ruleId: STRING, eventId: STRING }), example: { runId: "rule-1-evt-1", ruleId: "rule-1", eventId: "evt-1" } }),
  entry({ type: "workflow.failed", description: "A workflow run failed.", schema: objectSchema({ runId: STRING, ruleId: STRING, eventId: STRING, error: STRING }, ["runId", "ruleId", "eventId"]), example: { runId: "rule-1-evt-1", ruleId: "rule-1", eventId: "evt-1", error: "step notify failed" } }),
  entry({ type: "webhook.verification", description: "Sent by POST /subscriptions/:id/verify: a 2xx answer whose body is the challenge (plain, or JSON {challenge}) verifies the endpoint.", schema: objectSchema({ challenge: STRING }), example: { challenge: "hK9x2Lr0Vq7mWc4ZtYb8Ns1D" } }),
  entry({ type: "webhook.test", description: "Sent by POST /subscriptions/:id/test to check an endpoint.", schema: objectSchema({ message: STRING, subscriptionId: STRING }), example: { message: "This is a test delivery from edgehook", subscriptionId: "sub-Qw3Er5Ty7Ui9Op1A" } }),
  entry({ type: "github.*", description: "A verified GitHub webhook: github.<X-GitHub-Event> (github.push, github.pull_request); data is the payload, its action is also in metadata.action.", schema: PROVIDER, example: { action: "opened", number: 7, pull_request: { title: "Add sources" }, repository: { full_name: "acme/app" } } }),
  entry({ type: "stripe.*", description: "A verified Stripe event: stripe.<type> (stripe.invoice.paid); data is the Stripe event object.", schema: objectSchema({ id: STRING, object: STRING, type: STRING }, ["id", "type"]), example: { id: "evt_1Q", object: "event", type: "invoice.paid", data: { object: { id: "in_1", amount_paid: 4200, currency: "eur" } } } }),
  entry({ type: "slack.*", description: "A verified Slack request: slack.<type> (slack.event_callback, slack.block_actions, slack.slash_command).", schema: PROVIDER, example: { type: "event_callback", event_id: "Ev0PV52K21", team_id: "T1", event: { type: "app_mention", text: "<@U1> deploy" } } }),
  entry({ type: "linear.*", description: "A verified Linear webhook: linear.<type>.<action> lower-cased (linear.issue.create).", schema: PROVIDER, example: { action: "create", type: "Issue", data: { id: "lin-1", title: "Bug" }, webhookTimestamp: 1767261600000 } }),
  entry({ type: "shopify.*", description: "A verified Shopify webhook: shopify.<topic> with / as . (shopify.orders.create).", schema: PROVIDER, example: { id: 820982911946154500, total_price: "199.00" } }),
  entry({ type: "standard.*", description: "A verified Standard Webhooks / Svix / Clerk delivery: standard.<payload type> (standard.user.created), else standard.webhook.", schema: PROVIDER, example: { type: "user.created", data: { id: "user_1" } } }),
  entry({ type: "generic.*", description: "A verified generic HMAC webhook: generic.<event type header>, else generic.webhook.", schema: PROVIDER, example: { order: 42 } }),
];
