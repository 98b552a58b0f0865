/** Mattermost incoming webhook: {text}. */
import { DETAILS, optional, SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** Mattermost incoming webhook. */
export const mattermost: Integration = {
  id: "mattermost",
  name: "Mattermost",
  category: "chat",
  description: "Posts a message to a Mattermost channel through an incoming webhook.",
  docs: "https://developers.mattermost.com/integrate/webhooks/incoming/",
  params: [WEBHOOK_URL("Mattermost"), optional("username", "Name the post appears under", "edgehook")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: { text: `#### ${SUMMARY}\n${DETAILS}`, username: "{{params.username}}" },
  example: { webhookUrl: "https://mattermost.example.com/hooks/xxx" },
};
