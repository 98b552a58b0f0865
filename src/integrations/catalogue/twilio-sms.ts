/** Twilio Messages API (form-encoded To, From, Body; basic auth with the account SID). */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** Twilio Messages API (form-encoded To, From, Body; basic auth with the account SID). */
export const twilioSms: Integration = {
  id: "twilio-sms",
  name: "Twilio SMS",
  category: "messaging",
  description: "Sends an SMS through Twilio's Messages API.",
  docs: "https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource",
  params: [param("accountSid", "The account SID (AC...)"), secret("authToken", "The account's auth token"), param("from", "The sending number, E.164"), param("to", "The receiving number, E.164")],
  method: "POST",
  url: "https://api.twilio.com/2010-04-01/Accounts/{{params.accountSid}}/Messages.json",
  auth: { type: "basic", username: "{{params.accountSid}}", password: "{{params.authToken}}" },
  body: { $form: { To: "{{params.to}}", From: "{{params.from}}", Body: `${SUMMARY}: ${DETAILS}` } },
  example: { accountSid: "AC00000000000000000000000000000000", authToken: "token", from: "+15005550006", to: "+15005550001" },
};
