/** A plain JSON webhook: the wire event body, signed (Standard Webhooks). */
import { secret, type Integration } from "../types";

/** A plain JSON webhook. */
export const webhook: Integration = {
  id: "webhook",
  name: "JSON webhook",
  category: "webhook",
  description: "Posts the event as JSON, signed with the subscription's secret (Standard Webhooks headers).",
  docs: "https://www.standardwebhooks.com/",
  params: [secret("webhookUrl", "Your endpoint's url")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: null,
  example: { webhookUrl: "https://example.com/webhooks/edgehook" },
};
