/** Zapier catch hook: the wire event body. */
import { WEBHOOK_URL, type Integration } from "../types";

/** Zapier catch hook. */
export const zapier: Integration = {
  id: "zapier",
  name: "Zapier",
  category: "automation",
  description: "Starts a Zapier workflow from its webhook trigger with the event (id, type, timestamp, data, metadata).",
  docs: "https://help.zapier.com/hc/en-us/articles/8496288690317",
  params: [WEBHOOK_URL("Zapier")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: null,
  example: { webhookUrl: "https://hooks.zapier.com/hooks/catch/123/abc/" },
};
