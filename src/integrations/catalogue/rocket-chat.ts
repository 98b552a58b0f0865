/** Rocket.Chat incoming webhook: {text, attachments}. */
import { DETAILS, SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** Rocket.Chat incoming webhook. */
export const rocketChat: Integration = {
  id: "rocket-chat",
  name: "Rocket.Chat",
  category: "chat",
  description: "Posts a message to a Rocket.Chat channel through an incoming webhook integration.",
  docs: "https://docs.rocket.chat/docs/integrations",
  params: [WEBHOOK_URL("Rocket.Chat")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: { text: SUMMARY, attachments: [{ title: "{{event.type}}", text: DETAILS }] },
  example: { webhookUrl: "https://chat.example.com/hooks/ID/TOKEN" },
};
