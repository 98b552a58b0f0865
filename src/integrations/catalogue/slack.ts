/** Slack incoming webhook: {text, blocks}. */
import { DETAILS, SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** Slack incoming webhook. */
export const slack: Integration = {
  id: "slack",
  name: "Slack",
  category: "chat",
  description: "Posts a message to a Slack channel through an incoming webhook.",
  docs: "https://api.slack.com/messaging/webhooks",
  params: [WEBHOOK_URL("Slack")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: {
    text: `${SUMMARY}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${SUMMARY}*\n${DETAILS}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: "{{event.type}} · {{event.id}}" }] },
    ],
  },
  example: { webhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" },
};
