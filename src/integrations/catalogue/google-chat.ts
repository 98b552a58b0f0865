/** Google Chat incoming webhook: {text}. */
import { DETAILS, SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** Google Chat incoming webhook. */
export const googleChat: Integration = {
  id: "google-chat",
  name: "Google Chat",
  category: "chat",
  description: "Posts a message to a Google Chat space through an incoming webhook.",
  docs: "https://developers.google.com/workspace/chat/quickstart/webhooks",
  params: [WEBHOOK_URL("Google Chat")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: { text: `*${SUMMARY}*\n${DETAILS}` },
  example: { webhookUrl: "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=KEY&token=TOKEN" },
};
