/** The integration catalogue: every ready destination, in display order, and lookups by id. */
import { airtable } from "./catalogue/airtable";
import { datadog } from "./catalogue/datadog";
import { discord } from "./catalogue/discord";
import { githubDispatch } from "./catalogue/github-dispatch";
import { googleChat } from "./catalogue/google-chat";
import { googleSheets } from "./catalogue/google-sheets";
import { ifttt } from "./catalogue/ifttt";
import { jira } from "./catalogue/jira";
import { linear } from "./catalogue/linear";
import { mailgun } from "./catalogue/mailgun";
import { make } from "./catalogue/make";
import { mattermost } from "./catalogue/mattermost";
import { microsoftTeams } from "./catalogue/microsoft-teams";
import { n8n } from "./catalogue/n8n";
import { notion } from "./catalogue/notion";
import { ntfy } from "./catalogue/ntfy";
import { opsgenie } from "./catalogue/opsgenie";
import { pagerduty } from "./catalogue/pagerduty";
import { pipedream } from "./catalogue/pipedream";
import { postmark } from "./catalogue/postmark";
import { pushover } from "./catalogue/pushover";
import { resend } from "./catalogue/resend";
import { rocketChat } from "./catalogue/rocket-chat";
import { sendgrid } from "./catalogue/sendgrid";
import { slack } from "./catalogue/slack";
import { telegram } from "./catalogue/telegram";
import { twilioSms } from "./catalogue/twilio-sms";
import { twilioWhatsapp } from "./catalogue/twilio-whatsapp";
import { webhook } from "./catalogue/webhook";
import { whatsappCloud } from "./catalogue/whatsapp-cloud";
import { zapier } from "./catalogue/zapier";
import type { Integration } from "./types";

/** Every integration (chat, incident, automation, messaging, email, work tracking, data, webhook). */
export const INTEGRATIONS: readonly Integration[] = [
  slack,
  discord,
  microsoftTeams,
  googleChat,
  mattermost,
  rocketChat,
  telegram,
  pagerduty,
  opsgenie,
  zapier,
  make,
  n8n,
  ifttt,
  pipedream,
  twilioSms,
  twilioWhatsapp,
  whatsappCloud,
  ntfy,
  pushover,
  sendgrid,
  mailgun,
  postmark,
  resend,
  linear,
  jira,
  githubDispatch,
  airtable,
  notion,
  googleSheets,
  datadog,
  webhook,
];

const BY_ID = new Map(INTEGRATIONS.map((integration) => [integration.id, integration]));

/** The integration with this id, or undefined. */
export function findIntegration(id: string): Integration | undefined {
  return BY_ID.get(id);
}
