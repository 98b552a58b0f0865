/** Telegram Bot API sendMessage: {chat_id, text}. */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** Telegram Bot API sendMessage. */
export const telegram: Integration = {
  id: "telegram",
  name: "Telegram",
  category: "chat",
  description: "Sends a message to a Telegram chat with a bot (Bot API sendMessage).",
  docs: "https://core.telegram.org/bots/api#sendmessage",
  params: [secret("botToken", "The bot token from @BotFather"), param("chatId", "The chat id or @channelusername")],
  method: "POST",
  url: "https://api.telegram.org/bot{{params.botToken}}/sendMessage",
  body: { chat_id: "{{params.chatId}}", text: `${SUMMARY}\n${DETAILS}` },
  example: { botToken: "123456:ABC-DEF", chatId: "-1001234567890" },
};
