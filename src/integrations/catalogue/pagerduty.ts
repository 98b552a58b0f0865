/** PagerDuty Events API v2 enqueue: {routing_key, event_action, payload}. */
import { optional, secret, SUMMARY, type Integration } from "../types";

/** PagerDuty Events API v2 enqueue. */
export const pagerduty: Integration = {
  id: "pagerduty",
  name: "PagerDuty",
  category: "incident",
  description: "Triggers a PagerDuty incident through the Events API v2.",
  docs: "https://developer.pagerduty.com/docs/events-api-v2/trigger-events/",
  params: [secret("routingKey", "The integration (routing) key of an Events API v2 service"), optional("severity", "critical, error, warning or info", "error")],
  method: "POST",
  url: "https://events.pagerduty.com/v2/enqueue",
  body: {
    routing_key: "{{params.routingKey}}",
    event_action: "trigger",
    dedup_key: "{{event.id}}",
    payload: { summary: SUMMARY, source: "edgehook", severity: "{{params.severity}}", timestamp: "{{event.timestamp}}", custom_details: "{{data}}" },
  },
  example: { routingKey: "R0UT1NGKEY0000000000000000000000" },
};
