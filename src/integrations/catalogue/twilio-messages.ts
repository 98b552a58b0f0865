/** Twilio's Messages API, shared by the SMS and WhatsApp integrations (form-encoded To, From, Body; basic auth with the account SID). */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** A Twilio Messages integration; `channel` prefixes both numbers (`whatsapp:`) or is empty for SMS. */
export function twilioMessages(options: Pick<Integration, "id" | "name" | "description" | "docs" | "example"> & { channel: "" | "whatsapp:"; numbers: string }): Integration {
  const { channel, numbers, ...rest } = options;
  return {
    ...rest,
    category: "messaging",
    params: [param("accountSid", "The account SID (AC...)"), secret("authToken", "The account's auth token"), param("from", `The sending number, ${numbers}`), param("to", `The receiving number, ${numbers}`)],
    method: "POST",
    url: "https://api.twilio.com/2010-04-01/Accounts/{{params.accountSid}}/Messages.json",
    auth: { type: "basic", username: "{{params.accountSid}}", password: "{{params.authToken}}" },
    body: { $form: { To: `${channel}{{params.to}}`, From: `${channel}{{params.from}}`, Body: `${SUMMARY}: ${DETAILS}` } },
  };
}
