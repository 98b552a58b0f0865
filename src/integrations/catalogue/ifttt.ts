/** IFTTT Webhooks service: {value1, value2, value3} to a maker event url. */
import { SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** IFTTT Webhooks service. */
export const ifttt: Integration = {
  id: "ifttt",
  name: "IFTTT",
  category: "automation",
  description: "Fires an IFTTT Webhooks event with value1 (type), value2 (summary) and value3 (data as JSON).",
  docs: "https://help.ifttt.com/hc/en-us/articles/115010230347",
  params: [WEBHOOK_URL("IFTTT Webhooks (https://maker.ifttt.com/trigger/<event>/with/key/<key>)")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: { value1: "{{event.type}}", value2: SUMMARY, value3: "{{ json(data) }}" },
  example: { webhookUrl: "https://maker.ifttt.com/trigger/edgehook_event/with/key/KEY" },
};
