/** Payload templates (pure): `{{path}}` placeholders over the event, type-preserving whole placeholders, presets. */
import type { WireEvent } from "../events/store";
import { valueAt } from "./core/match";

/** Built-in templates for chat destinations. */
export const TEMPLATE_PRESETS = ["slack", "discord", "teams"] as const;
export type TemplatePreset = (typeof TEMPLATE_PRESETS)[number];

const WHOLE = /^\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}$/;
const EMBEDDED = /\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}/g;

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

/** The values placeholders may name: `event.*`, `data.*`, `metadata.*`, and `dataJson` (data as JSON text). */
export function templateScope(event: WireEvent): Record<string, unknown> {
  return { event, data: event.data, metadata: event.metadata ?? {}, dataJson: JSON.stringify(event.data, null, 2) };
}

function embed(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Fills a template: a string that is only `{{path}}` becomes the value itself (number, object,
 * ... or null when missing); placeholders inside longer strings are replaced by their text.
 */
export function fillTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  if (typeof template === "string") {
    const whole = WHOLE.exec(template);
    if (whole) return valueAt(scope, whole[1]!) ?? null;
    return template.replace(EMBEDDED, (_m, path: string) => embed(valueAt(scope, path)));
  }
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, scope));
  if (template !== null && typeof template === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) out[key] = fillTemplate(value, scope);
    return out;
  }
  return template;
}

/** True when the template names a preset. */
export function isPreset(template: unknown): template is TemplatePreset {
  return typeof template === "string" && (TEMPLATE_PRESETS as readonly string[]).includes(template);
}

/** The JSON body for an event under a subscription's template (null: the plain event body). */
export function renderBody(event: WireEvent, template: unknown): string {
  if (template === null || template === undefined) return JSON.stringify(event);
  const source = isPreset(template) ? PRESET_TEMPLATES[template] : template;
  return JSON.stringify(fillTemplate(source, templateScope(event)));
}
