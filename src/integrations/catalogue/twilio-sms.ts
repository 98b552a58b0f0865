/** Twilio Messages API for SMS. */
import type { Integration } from "../types";
import { twilioMessages } from "./twilio-messages";

/** Twilio SMS. */
export const twilioSms: Integration = twilioMessages({
  id: "twilio-sms",
  name: "Twilio SMS",
  description: "Sends an SMS through Twilio's Messages API.",
  docs: "https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource",
  channel: "",
  numbers: "E.164",
  example: { accountSid: "AC00000000000000000000000000000000", authToken: "token", from: "+15005550006", to: "+15005550001" },
});
