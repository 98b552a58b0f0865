/** Discord webhook: {content, embeds}. */
import { DETAILS, SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** Discord webhook. */
export const discord: Integration = {
  id: "discord",
  name: "Discord",
  category: "chat",
  description: "Posts a message to a Discord channel through a channel webhook.",
  docs: "https://discord.com/developers/docs/resources/webhook#execute-webhook",
  params: [WEBHOOK_URL("Discord")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: {
    content: SUMMARY,
    embeds: [{ title: "{{event.type}}", description: DETAILS, timestamp: "{{event.timestamp}}", footer: { text: "{{event.id}}" } }],
  },
  example: { webhookUrl: "https://discord.com/api/webhooks/123/abc" },
};
