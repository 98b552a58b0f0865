/** SendGrid v3 mail send: personalizations, from, subject, content. */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** SendGrid v3 mail send. */
export const sendgrid: Integration = {
  id: "sendgrid",
  name: "SendGrid",
  category: "email",
  description: "Sends an email through SendGrid's v3 Mail Send API.",
  docs: "https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send",
  params: [secret("apiKey", "A SendGrid API key with Mail Send access"), param("from", "A verified sender address"), param("to", "The recipient address")],
  method: "POST",
  url: "https://api.sendgrid.com/v3/mail/send",
  auth: { type: "bearer", token: "{{params.apiKey}}" },
  body: {
    personalizations: [{ to: [{ email: "{{params.to}}" }] }],
    from: { email: "{{params.from}}" },
    subject: SUMMARY,
    content: [{ type: "text/plain", value: DETAILS }],
  },
  example: { apiKey: "SG.xxxx", from: "alerts@example.com", to: "ops@example.com" },
};
