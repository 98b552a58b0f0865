/** n8n catch hook: the wire event body. */
import { WEBHOOK_URL, type Integration } from "../types";

/** n8n catch hook. */
export const n8n: Integration = {
  id: "n8n",
  name: "n8n",
  category: "automation",
  description: "Starts a n8n workflow from its webhook trigger with the event (id, type, timestamp, data, metadata).",
  docs: "https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.webhook/",
  params: [WEBHOOK_URL("n8n")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: null,
  example: { webhookUrl: "https://n8n.example.com/webhook/edgehook" },
};
