/** The catalogue of event types the gateway emits: description and an example `data` for each. */

/** One catalogue entry. */
export interface EventTypeInfo {
  type: string;
  description: string;
  example: Record<string, unknown>;
}

/** Every built-in event type; provider events are listed by pattern (`github.*`, ...). POST /events may publish any other type. */
export const EVENT_CATALOGUE: EventTypeInfo[] = [
  { type: "task.created", description: "A task was submitted through POST /task.", example: { taskId: "task-3kT9xQ2mV7pL1aZc", title: "Summarise the weekly sales report", priority: "high", deadline: "2026-01-02T09:00:00.000Z", tags: ["reports"] } },
  { type: "task.completed", description: "A worker reported a task as completed.", example: { taskId: "task-3kT9xQ2mV7pL1aZc", result: "Report sent to #sales", duration: 42000 } },
  { type: "task.failed", description: "A worker reported a task as failed.", example: { taskId: "task-3kT9xQ2mV7pL1aZc", error: "Source spreadsheet not found", timestamp: "2026-01-01T10:00:00.000Z" } },
  { type: "notify.sent", description: "A notification was sent to a channel.", example: { notifId: "notif-Zk2Lm9Qp4Rt7Vx1B", channel: "ops-slack", status: "delivered" } },
  { type: "research.started", description: "A research job was started.", example: { researchId: "res-8HnB2vQk5Lw1Xc9Z", topic: "Edge databases in 2026" } },
  { type: "research.completed", description: "A worker delivered a research report.", example: { researchId: "res-8HnB2vQk5Lw1Xc9Z", report: "# Findings\n..." } },
  { type: "subscription.disabled", description: "A subscription was disabled automatically (410 Gone or too many consecutive failures).", example: { subscriptionId: "sub-Qw3Er5Ty7Ui9Op1A", url: "https://example.com/hooks", reason: "50 consecutive failed attempts", consecutiveFailures: 50 } },
  { type: "webhook.test", description: "Sent by POST /subscriptions/:id/test to check an endpoint.", example: { message: "This is a test delivery from edgehook", subscriptionId: "sub-Qw3Er5Ty7Ui9Op1A" } },
  { type: "workflow.started", description: "A rule's run started (its Workflow instance began).", example: { runId: "rule-Xy2Qp7Lm9Rt4Vb1C-evt-01JH8ZK3Q0000000000A1B2C3D", ruleId: "rule-Xy2Qp7Lm9Rt4Vb1C", eventId: "evt-01JH8ZK3Q0000000000A1B2C3D" } },
  { type: "workflow.completed", description: "A rule's run completed (every step done, or a condition ended it early).", example: { runId: "rule-Xy2Qp7Lm9Rt4Vb1C-evt-01JH8ZK3Q0000000000A1B2C3D", ruleId: "rule-Xy2Qp7Lm9Rt4Vb1C", eventId: "evt-01JH8ZK3Q0000000000A1B2C3D" } },
  { type: "workflow.failed", description: "A rule's run failed: a step's retries were exhausted, a wait timed out or a step was refused.", example: { runId: "rule-Xy2Qp7Lm9Rt4Vb1C-evt-01JH8ZK3Q0000000000A1B2C3D", ruleId: "rule-Xy2Qp7Lm9Rt4Vb1C", eventId: "evt-01JH8ZK3Q0000000000A1B2C3D", error: "step validate failed: unexpected status 503 from https://validator.example.com/check" } },
  { type: "github.*", description: "A verified GitHub webhook: github.<X-GitHub-Event> (github.push, github.pull_request); data is the payload, its action is also in metadata.action.", example: { action: "opened", number: 7, pull_request: { title: "Add sources" }, repository: { full_name: "acme/app" } } },
  { type: "stripe.*", description: "A verified Stripe event: stripe.<type> (stripe.invoice.paid); data is the Stripe event object.", example: { id: "evt_1Q", object: "event", type: "invoice.paid", data: { object: { id: "in_1", amount_paid: 4200, currency: "eur" } } } },
  { type: "slack.*", description: "A verified Slack request: slack.<type> (slack.event_callback, slack.block_actions, slack.slash_command).", example: { type: "event_callback", event_id: "Ev0PV52K21", team_id: "T1", event: { type: "app_mention", text: "<@U1> deploy" } } },
  { type: "linear.*", description: "A verified Linear webhook: linear.<type>.<action> lower-cased (linear.issue.create).", example: { action: "create", type: "Issue", data: { id: "lin-1", title: "Bug" }, webhookTimestamp: 1767261600000 } },
  { type: "shopify.*", description: "A verified Shopify webhook: shopify.<topic> with / as . (shopify.orders.create).", example: { id: 820982911946154500, total_price: "199.00" } },
  { type: "standard.*", description: "A verified Standard Webhooks / Svix / Clerk delivery: standard.<payload type> (standard.user.created), else standard.webhook.", example: { type: "user.created", data: { id: "user_1" } } },
  { type: "generic.*", description: "A verified generic HMAC webhook: generic.<event type header>, else generic.webhook.", example: { order: 42 } },
];
