/** Datadog events API v1: DD-API-KEY, {title, text, alert_type, tags}. */
import { DETAILS, optional, secret, SUMMARY, type Integration } from "../types";

/** Datadog events API v1. */
export const datadog: Integration = {
  id: "datadog",
  name: "Datadog",
  category: "data",
  description: "Posts an event to the Datadog event stream (Events API).",
  docs: "https://docs.datadoghq.com/api/latest/events/#post-an-event",
  params: [secret("apiKey", "A Datadog API key"), optional("site", "Your Datadog site: datadoghq.com, datadoghq.eu, us3.datadoghq.com ...", "datadoghq.com"), optional("alertType", "error, warning, info or success", "info")],
  method: "POST",
  url: "https://api.{{params.site}}/api/v1/events",
  auth: { type: "api-key", header: "DD-API-KEY", key: "{{params.apiKey}}" },
  body: { title: SUMMARY, text: DETAILS, alert_type: "{{params.alertType}}", source_type_name: "edgehook", aggregation_key: "{{event.type}}", tags: ["source:edgehook", "event_type:{{event.type}}"] },
  example: { apiKey: "0000000000000000000000000000000a" },
};
