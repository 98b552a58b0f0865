/** Mailgun messages API (form-encoded from, to, subject, text; basic auth api:<key>). */
import { DETAILS, optional, param, secret, SUMMARY, type Integration } from "../types";

/** Mailgun messages API (form-encoded from, to, subject, text; basic auth api. */
export const mailgun: Integration = {
  id: "mailgun",
  name: "Mailgun",
  category: "email",
  description: "Sends an email through Mailgun's Messages API.",
  docs: "https://documentation.mailgun.com/docs/mailgun/api-reference/openapi-final/tag/Messages/",
  params: [secret("apiKey", "A Mailgun API key"), param("domain", "The sending domain"), param("from", "The sender address"), param("to", "The recipient address"), optional("apiUrl", "The API base url: https://api.mailgun.net or https://api.eu.mailgun.net", "https://api.mailgun.net")],
  method: "POST",
  url: "{{params.apiUrl}}/v3/{{params.domain}}/messages",
  auth: { type: "basic", username: "api", password: "{{params.apiKey}}" },
  body: { $form: { from: "{{params.from}}", to: "{{params.to}}", subject: SUMMARY, text: DETAILS } },
  example: { apiKey: "key-xxxx", domain: "mg.example.com", from: "alerts@mg.example.com", to: "ops@example.com" },
};
