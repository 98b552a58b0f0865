/** Pushover messages API (form-encoded token, user, message, title). */
import { DETAILS, secret, SUMMARY, type Integration } from "../types";

/** Pushover messages API (form-encoded token, user, message, title). */
export const pushover: Integration = {
  id: "pushover",
  name: "Pushover",
  category: "messaging",
  description: "Sends a push notification through Pushover's Messages API.",
  docs: "https://pushover.net/api#messages",
  params: [secret("token", "The application's API token"), secret("user", "The user or group key")],
  method: "POST",
  url: "https://api.pushover.net/1/messages.json",
  body: { $form: { token: "{{params.token}}", user: "{{params.user}}", title: SUMMARY, message: DETAILS } },
  example: { token: "azGDORePK8gMaC0QOYAMyEEuzJnyUi", user: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" },
};
