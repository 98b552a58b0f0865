/** Microsoft Teams (Workflows / incoming webhook): a message with an Adaptive Card attachment. */
import { DETAILS, SUMMARY, WEBHOOK_URL, type Integration } from "../types";

/** Microsoft Teams (Workflows / incoming webhook). */
export const microsoftTeams: Integration = {
  id: "microsoft-teams",
  name: "Microsoft Teams",
  category: "chat",
  description: "Posts an Adaptive Card to a Teams channel through a Workflows or incoming-webhook url.",
  docs: "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using",
  params: [WEBHOOK_URL("Microsoft Teams")],
  method: "POST",
  url: "{{params.webhookUrl}}",
  body: {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", size: "Medium", weight: "Bolder", text: SUMMARY, wrap: true },
            { type: "TextBlock", text: DETAILS, wrap: true },
            { type: "FactSet", facts: [{ title: "Event", value: "{{event.type}}" }, { title: "Id", value: "{{event.id}}" }] },
          ],
        },
      },
    ],
  },
  example: { webhookUrl: "https://example.webhook.office.com/webhookb2/xxx" },
};
