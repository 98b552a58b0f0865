/** Pipedream catch hook: the wire event body. */
import { WEBHOOK_URL, type Integration } from "../types";

/** Pipedream catch hook. */
export const pipedream: Integration = {
  id: "pipedream",
  name: "Pipedream",
  category: "automation",
  description: "Starts a Pipedream workflow from its webhook trigger with the event (id, type, timestamp, data, metadata).",
  docs: "https://pipedream.com/docs/workflows/building-workflows/triggers/#http",
  params: [WEBHOOK_URL("Pipedream")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: null,
  example: { webhookUrl: "https://eo1234.m.pipedream.net" },
};
