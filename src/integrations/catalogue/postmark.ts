/** Postmark email API: X-Postmark-Server-Token, {From, To, Subject, TextBody}. */
import { DETAILS, optional, param, secret, SUMMARY, type Integration } from "../types";

/** Postmark email API. */
export const postmark: Integration = {
  id: "postmark",
  name: "Postmark",
  category: "email",
  description: "Sends an email through Postmark's Email API.",
  docs: "https://postmarkapp.com/developer/api/email-api",
  params: [secret("serverToken", "The server API token"), param("from", "A confirmed sender signature"), param("to", "The recipient address"), optional("messageStream", "The message stream", "outbound")],
  method: "POST",
  url: "https://api.postmarkapp.com/email",
  headers: { Accept: "application/json" },
  auth: { type: "api-key", header: "X-Postmark-Server-Token", key: "{{params.serverToken}}" },
  body: { From: "{{params.from}}", To: "{{params.to}}", Subject: SUMMARY, TextBody: DETAILS, MessageStream: "{{params.messageStream}}" },
  example: { serverToken: "server-token", from: "alerts@example.com", to: "ops@example.com" },
};
