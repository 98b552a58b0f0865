// Templates: placeholders, type-preserving whole placeholders, presets.
import { describe, expect, it } from "vitest";
import { fillTemplate, isPreset, renderBody, templateScope } from "../../src/delivery/template";
import type { WireEvent } from "../../src/events/store";

const event: WireEvent = {
  id: "evt-1",
  tenantId: "default",
  type: "user.signup",
  timestamp: "2026-01-01T00:00:00.000Z",
  data: { user: { email: "a@example.com", age: 41, admin: false, roles: ["x"] }, count: 3 },
  metadata: { source: "web" },
};
const scope = templateScope(event);

describe("fillTemplate", () => {
  it("keeps the JSON type of a whole placeholder", () => {
    expect(fillTemplate("{{data.count}}", scope)).toBe(3);
    expect(fillTemplate("{{ data.user.admin }}", scope)).toBe(false);
    expect(fillTemplate("{{data.user}}", scope)).toEqual(event.data.user);
    expect(fillTemplate("{{data.user.roles}}", scope)).toEqual(["x"]);
    expect(fillTemplate("{{data.nothing}}", scope)).toBeNull();
  });
  it("interpolates placeholders inside text", () => {
    expect(fillTemplate("New {{event.type}} from {{data.user.email}} ({{data.user.age}})", scope)).toBe("New user.signup from a@example.com (41)");
    expect(fillTemplate("roles={{data.user.roles}} missing=[{{data.nope}}]", scope)).toBe('roles=["x"] missing=[]');
    expect(fillTemplate("{{event.id}}/{{metadata.source}}", scope)).toBe("evt-1/web");
  });
  it("walks objects and arrays and leaves other values alone", () => {
    expect(fillTemplate({ a: ["{{event.id}}", 1, null, true], b: { c: "{{data.count}}" } }, scope)).toEqual({ a: ["evt-1", 1, null, true], b: { c: 3 } });
  });
});

describe("renderBody", () => {
  it("without a template sends the event body", () => {
    expect(JSON.parse(renderBody(event, null))).toEqual(event);
  });
  it("renders a custom template", () => {
    expect(JSON.parse(renderBody(event, { email: "{{data.user.email}}", n: "{{data.count}}" }))).toEqual({ email: "a@example.com", n: 3 });
  });
  it("renders the slack, discord and teams presets", () => {
    expect(isPreset("slack")).toBe(true);
    expect(isPreset("email")).toBe(false);
    const slack = JSON.parse(renderBody(event, "slack"));
    expect(slack.text).toBe("edgehook: user.signup");
    expect(slack.blocks[0].text.text).toContain('"email": "a@example.com"');
    const discord = JSON.parse(renderBody(event, "discord"));
    expect(discord.content).toBe("edgehook: user.signup");
    expect(discord.embeds[0].timestamp).toBe(event.timestamp);
    const teams = JSON.parse(renderBody(event, "teams"));
    expect(teams["@type"]).toBe("MessageCard");
    expect(teams.sections[0].facts[0].value).toBe("evt-1");
  });
});
