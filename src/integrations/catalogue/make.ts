/** Make catch hook: the wire event body. */
import { WEBHOOK_URL, type Integration } from "../types";

/** Make catch hook. */
export const make: Integration = {
  id: "make",
  name: "Make",
  category: "automation",
  description: "Starts a Make workflow from its webhook trigger with the event (id, type, timestamp, data, metadata).",
  docs: "https://www.make.com/en/help/tools/webhooks",
  params: [WEBHOOK_URL("Make")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: null,
  example: { webhookUrl: "https://hook.eu1.make.com/abcdef" },
};
