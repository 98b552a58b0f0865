/** Twilio Messages API for WhatsApp (whatsapp: prefixed numbers). */
import type { Integration } from "../types";
import { twilioMessages } from "./twilio-messages";

/** Twilio WhatsApp. */
export const twilioWhatsapp: Integration = twilioMessages({
  id: "twilio-whatsapp",
  name: "Twilio WhatsApp",
  description: "Sends a WhatsApp message through Twilio's Messages API.",
  docs: "https://www.twilio.com/docs/whatsapp/api#sending-messages",
  channel: "whatsapp:",
  numbers: "E.164 (without whatsapp:)",
  example: { accountSid: "AC00000000000000000000000000000000", authToken: "token", from: "+14155238886", to: "+15005550001" },
});
