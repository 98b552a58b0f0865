/** Resend emails API: {from, to, subject, text}. */
import { DETAILS, param, secret, SUMMARY, type Integration } from "../types";

/** Resend emails API. */
export const resend: Integration = {
  id: "resend",
  name: "Resend",
  category: "email",
  description: "Sends an email through Resend's API.",
  docs: "https://resend.com/docs/api-reference/emails/send-email",
  params: [secret("apiKey", "A Resend API key (re_...)"), param("from", "The sender, e.g. Alerts <alerts@example.com>"), param("to", "The recipient address")],
  method: "POST",
  url: "https://api.resend.com/emails",
  auth: { type: "bearer", token: "{{params.apiKey}}" },
  body: { from: "{{params.from}}", to: ["{{params.to}}"], subject: SUMMARY, text: DETAILS },
  example: { apiKey: "re_xxxx", from: "Alerts <alerts@example.com>", to: "ops@example.com" },
};
