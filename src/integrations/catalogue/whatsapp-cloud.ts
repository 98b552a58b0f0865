/** WhatsApp Business Cloud API: POST /<phone number id>/messages. */
import { DETAILS, optional, param, secret, SUMMARY, type Integration } from "../types";

/** WhatsApp Business Cloud API. */
export const whatsappCloud: Integration = {
  id: "whatsapp-cloud",
  name: "WhatsApp Cloud API",
  category: "messaging",
  description: "Sends a WhatsApp text message through Meta's Cloud API.",
  docs: "https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages",
  params: [param("phoneNumberId", "The sender's phone number id"), secret("accessToken", "A system user access token"), param("to", "The recipient's WhatsApp number"), optional("apiVersion", "Graph API version", "v21.0"), optional("apiUrl", "The Graph API base url", "https://graph.facebook.com")],
  method: "POST",
  url: "{{params.apiUrl}}/{{params.apiVersion}}/{{params.phoneNumberId}}/messages",
  auth: { type: "bearer", token: "{{params.accessToken}}" },
  body: { messaging_product: "whatsapp", recipient_type: "individual", to: "{{params.to}}", type: "text", text: { preview_url: false, body: `${SUMMARY}\n${DETAILS}` } },
  example: { phoneNumberId: "106540352242922", accessToken: "EAAG...", to: "15551234567" },
};
