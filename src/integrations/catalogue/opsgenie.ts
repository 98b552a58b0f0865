/** Opsgenie Alert API: POST /v2/alerts with GenieKey auth. */
import { DETAILS, optional, secret, SUMMARY, type Integration } from "../types";

/** Opsgenie Alert API. */
export const opsgenie: Integration = {
  id: "opsgenie",
  name: "Opsgenie",
  category: "incident",
  description: "Creates an Opsgenie alert (Alert API).",
  docs: "https://docs.opsgenie.com/docs/alert-api#create-alert",
  params: [secret("apiKey", "An API integration key"), optional("apiUrl", "The API base url: https://api.opsgenie.com or https://api.eu.opsgenie.com", "https://api.opsgenie.com"), optional("priority", "P1 to P5", "P3")],
  method: "POST",
  url: "{{params.apiUrl}}/v2/alerts",
  auth: { type: "api-key", header: "Authorization", key: "GenieKey {{params.apiKey}}" },
  body: { message: SUMMARY, alias: "{{event.id}}", description: DETAILS, priority: "{{params.priority}}", source: "edgehook", tags: ["{{event.type}}"] },
  example: { apiKey: "00000000-0000-0000-0000-000000000000" },
};
