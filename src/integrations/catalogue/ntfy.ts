/** ntfy publish as JSON: POST / {topic, title, message, priority}. */
import { DETAILS, optional, param, secret, SUMMARY, type Integration } from "../types";

/** ntfy publish as JSON. */
export const ntfy: Integration = {
  id: "ntfy",
  name: "ntfy",
  category: "messaging",
  description: "Publishes a push notification to an ntfy topic (ntfy.sh or a self-hosted server).",
  docs: "https://docs.ntfy.sh/publish/#publish-as-json",
  params: [param("topic", "The topic name"), optional("server", "The ntfy server url", "https://ntfy.sh"), secret("token", "An access token (tk_...) for protected topics", { required: false })],
  method: "POST",
  url: "{{params.server}}",
  auth: { type: "bearer", token: "{{params.token}}" },
  body: { topic: "{{params.topic}}", title: SUMMARY, message: DETAILS, tags: ["{{event.type}}"] },
  example: { topic: "edgehook-alerts", token: "tk_xxxx" },
};
