/** Subscription payload templates: presets and the event scope; parsing and rendering live in src/templates/. */
import type { WireEvent } from "../events/store";
import { checkTemplate, render, textOf } from "../templates";

/** Templates longer than this are refused by the size rule before they are parsed. */
const MAX_CHECKED_BYTES = 65_536;

/** Built-in templates for chat destinations. */
export const TEMPLATE_PRESETS = ["slack", "discord", "teams"] as const;
export type TemplatePreset = (typeof TEMPLATE_PRESETS)[number];

const SUMMARY = "*{{event.type}}* ({{event.id}})\n{{dataJson}}";

/** The preset bodies; placeholders are filled like any template. */
export const PRESET_TEMPLATES: Record<TemplatePreset, unknown> = {
  slack: {
    text: "edgehook: {{event.type}}",
    blocks: [{ type: "section", text: { type: "mrkdwn", text: SUMMARY } }],
  },
  discord: {
    content: "edgehook: {{event.type}}",
    embeds: [{ title: "{{event.type}}", description: "```json\n{{dataJson}}\n```", timestamp: "{{event.timestamp}}", footer: { text: "{{event.id}}" } }],
  },
  teams: {
    "@type": "MessageCard",
    "@context": "https://schema.org/extensions",
    summary: "edgehook: {{event.type}}",
    title: "{{event.type}}",
    text: "{{dataJson}}",
    sections: [{ facts: [{ name: "Event id", value: "{{event.id}}" }, { name: "Time", value: "{{event.timestamp}}" }] }],
  },
};

/**
 * The values placeholders may name: `event`, `data`, `metadata`, `tenant` and `dataJson` (data as
 * JSON text); other names are read from the top of `data`. `dataJson` is computed on first use.
 */
export function templateScope(event: WireEvent): Record<string, unknown> {
  const tenantId = (event as { tenantId?: unknown }).tenantId;
  let dataJson: string | undefined;
  return {
    event,
    data: event.data,
    metadata: event.metadata ?? {},
    tenant: { id: typeof tenantId === "string" ? tenantId : "default" },
    get dataJson() {
      return (dataJson ??= JSON.stringify(event.data, null, 2));
    },
  };
}

/**
 * Fills a template (compiled once, cached): a string that is only `{{ expression }}` becomes the
 * value itself (number, object, ... or null when missing); placeholders inside longer strings are
 * replaced by their text. Throws TemplateSyntaxError for a template that does not parse.
 */
export function fillTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  return render(template, scope);
}

/** True when the template names a preset. */
export function isPreset(template: unknown): template is TemplatePreset {
  return typeof template === "string" && (TEMPLATE_PRESETS as readonly string[]).includes(template);
}

/** The JSON body for an event under a subscription's template (null: the plain event body). */
export function renderBody(event: WireEvent, template: unknown): string {
  return renderPayload(event, template).body;
}

/** A template `{"$form": {...}}` is sent as application/x-www-form-urlencoded (Twilio, Mailgun, Pushover). */
export const FORM_KEY = "$form";
const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

function isForm(template: unknown): template is Record<typeof FORM_KEY, unknown> {
  return template !== null && typeof template === "object" && !Array.isArray(template) && Object.keys(template).length === 1 && FORM_KEY in template;
}

/** The request body and its Content-Type for an event under a subscription's template. */
export function renderPayload(event: WireEvent, template: unknown): { body: string; contentType: string } {
  if (template === null || template === undefined) return { body: JSON.stringify(event), contentType: JSON_TYPE };
  const source = isPreset(template) ? PRESET_TEMPLATES[template] : template;
  const rendered = fillTemplate(source, templateScope(event));
  if (!isForm(template)) return { body: JSON.stringify(rendered), contentType: JSON_TYPE };
  const fields = (rendered as Record<string, unknown>)[FORM_KEY];
  const form = new URLSearchParams();
  if (fields !== null && typeof fields === "object") for (const [key, value] of Object.entries(fields)) form.append(key, textOf(value));
  return { body: form.toString(), contentType: FORM_TYPE };
}

/** zod refinement for a saved template: an issue at `template.<path>` naming the character where it fails to parse. */
export function refineTemplate(template: unknown, ctx: { addIssue: (issue: { code: "custom"; message: string; path: (string | number)[] }) => void }): void {
  if (template === undefined || template === null || isPreset(template) || JSON.stringify(template).length > MAX_CHECKED_BYTES) return;
  const problem = checkTemplate(template);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem.message} (at character ${problem.position})`, path: problem.path === "" ? [] : problem.path.split(".") });
}
