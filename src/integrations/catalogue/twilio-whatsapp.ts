/** Twilio Messages API for WhatsApp (whatsapp: prefixed numbers). */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** Twilio Messages API for WhatsApp (whatsapp. */
export const twilioWhatsapp: Integration = {
  id: "twilio-whatsapp",
  name: "Twilio WhatsApp",
  category: "messaging",
  description: "Sends a WhatsApp message through Twilio's Messages API.",
  docs: "https://www.twilio.com/docs/whatsapp/api#sending-messages",
  params: [param("accountSid", "The account SID (AC...)"), secret("authToken", "The account's auth token"), param("from", "The WhatsApp sender number, E.164 (without whatsapp:)"), param("to", "The receiving number, E.164 (without whatsapp:)")],
  method: "POST",
  url: "https://api.twilio.com/2010-04-01/Accounts/{{params.accountSid}}/Messages.json",
  auth: { type: "basic", username: "{{params.accountSid}}", password: "{{params.authToken}}" },
  body: { $form: { To: "whatsapp:{{params.to}}", From: "whatsapp:{{params.from}}", Body: `${SUMMARY}: ${DETAILS}` } },
  example: { accountSid: "AC00000000000000000000000000000000", authToken: "token", from: "+14155238886", to: "+15005550001" },
};
