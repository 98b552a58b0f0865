// Expression templates: grammar, functions, type-preserving placeholders, errors with positions, limits.
import { describe, expect, it } from "vitest";
import { checkTemplate, compileTemplate, MAX_OUTPUT_CHARS, render, renderTemplate, TemplateLimitError, TemplateSyntaxError } from "../../src/templates";

const scope = {
  event: { id: "evt-1", type: "alert.raised", timestamp: "2026-01-01T00:00:00.000Z" },
  data: { alert: { severity: "critical", count: 3, tags: ["db", "eu"] }, user: { email: "A@Example.com" }, empty: "", zero: 0, when: 1767225600 },
  metadata: { source: "web" },
  tenant: { id: "default" },
};
const r = (template: unknown) => render(template, scope);

describe("expressions", () => {
  it("reads dotted paths over event, data, metadata, tenant and the top of data", () => {
    expect(r("{{event.id}}")).toBe("evt-1");
    expect(r("{{ data.alert.count }}")).toBe(3);
    expect(r("{{alert.count}}")).toBe(3);
    expect(r("{{user.email}}")).toBe("A@Example.com");
    expect(r("{{metadata.source}}/{{tenant.id}}")).toBe("web/default");
    expect(r("{{data.alert.tags.1}}")).toBe("eu");
    expect(r("{{ data.alert.tags[0] }}")).toBe("db");
    expect(r("{{ data['alert'].severity }}")).toBe("critical");
    expect(r("{{data.missing.deep}}")).toBeNull();
  });
  it("evaluates the contract's conditional example and operators", () => {
    expect(r("{{ alert.severity == 'critical' ? 'danger' : 'warning' }}")).toBe("danger");
    expect(r("{{ alert.severity != 'critical' ? 'danger' : 'warning' }}")).toBe("warning");
    expect(r("{{ alert.count > 2 && alert.count <= 3 }}")).toBe(true);
    expect(r("{{ alert.count >= 4 || alert.count < 1 }}")).toBe(false);
    expect(r("{{ !(alert.count == 3) }}")).toBe(false);
    expect(r("{{ alert.count + 1 }}")).toBe(4);
    expect(r("{{ 'n=' + alert.count }}")).toBe("n=3");
    expect(r("{{ -alert.count }}")).toBe(-3);
    expect(r("{{ null }}|{{ true }}|{{ 1.5 }}|{{ \"x\" }}")).toBe("|true|1.5|x");
    expect(r("{{ missing == null }}")).toBe(true);
    expect(r("{{ 'a' < 'b' }} {{ 1 < 'b' }}")).toBe("true false");
  });
  it("calls the listed functions", () => {
    expect(r("{{ upper(alert.severity) }} {{ lower(user.email) }}")).toBe("CRITICAL a@example.com");
    expect(r("{{ json(alert.tags) }}")).toBe('["db","eu"]');
    expect(r("{{ default(empty, 'none') }} {{ default(zero, 9) }} {{ default(nope, 'x') }}")).toBe("none 0 x");
    expect(r("{{ len(alert.tags) }}")).toBe(2);
    expect(r("{{ len(user.email) }}")).toBe(13);
    expect(r("{{ len(alert) }}")).toBe(3);
    expect(r("{{ date(when) }}")).toBe("2026-01-01T00:00:00.000Z");
    expect(r("{{ date(event.timestamp, 'unix') }}")).toBe(1767225600);
    expect(r("{{ date(event.timestamp, 'unix_ms') }}")).toBe(1767225600000);
    expect(r("{{ date('not a date') }}")).toBeNull();
  });
  it("keeps the JSON type of a whole placeholder and embeds text elsewhere", () => {
    expect(r({ tags: "{{alert.tags}}", text: "tags {{alert.tags}}", n: [1, "{{alert.count}}"] })).toEqual({ tags: ["db", "eu"], text: 'tags ["db","eu"]', n: [1, 3] });
    expect(r("literal only")).toBe("literal only");
    expect(r({ a: null, b: false, c: 2 })).toEqual({ a: null, b: false, c: 2 });
  });
  it("skips braces inside quoted strings when finding the end of a placeholder", () => {
    expect(r("{{ '}}' + upper('x') }}!")).toBe("}}X!");
  });
});

describe("errors when saved", () => {
  const problem = (template: unknown) => checkTemplate(template);
  it("reports the path and character of a parse error", () => {
    const p = problem({ blocks: [{ text: "Hi {{ alert.count + }}" }] })!;
    expect(p).toBeInstanceOf(TemplateSyntaxError);
    expect(p.path).toBe("blocks.0.text");
    expect(p.position).toBeGreaterThanOrEqual(19);
    expect(problem("abc {{ data.x ")!.position).toBe(4);
    expect(problem("{{}}")!.message).toMatch(/empty/);
  });
  it("refuses calls beyond the list, other operators, and prototype access", () => {
    expect(problem("{{ eval('1') }}")!.message).toMatch(/only the functions/);
    expect(problem("{{ data.x.toString() }}")!.message).toMatch(/only the functions/);
    expect(problem("{{ a = 1 }}")).not.toBeNull();
    expect(problem("{{ a * 2 }}")!.message).toMatch(/operator "\*"/);
    expect(problem("{{ a === 2 }}")!.message).toMatch(/operator "==="/);
    expect(problem("{{ constructor }}")!.message).toMatch(/cannot be read/);
    expect(problem("{{ data.constructor.constructor('return 1')() }}")).not.toBeNull();
    expect(problem("{{ data.__proto__ }}")!.message).toMatch(/cannot be read/);
    expect(problem("{{ event.prototype }}")).not.toBeNull();
    expect(problem("{{ upper() }}")!.message).toMatch(/takes 1/);
    expect(problem("{{ date(x, 'weekday') }}")!.message).toMatch(/formats/);
    expect(problem("{{ this }}")).not.toBeNull();
    expect(problem("{{ [1, 2] }}")).not.toBeNull();
    expect(problem("{{ a; b }}")).not.toBeNull();
    expect(problem("{{ " + "!".repeat(40) + "a }}")!.message).toMatch(/deeper/);
  });
  it("never reads the prototype through computed keys at render time", () => {
    expect(r("{{ data['__proto__'] }}")).toBeNull();
    expect(r("{{ data['constructor'] }}")).toBeNull();
    expect(r("{{ alert.tags['map'] }}")).toBeNull();
    expect(r("{{ user.email.length }}")).toBeNull();
    const polluted = render("{{ data[key] }}", { data: { key: "__proto__" } });
    expect(polluted).toBeNull();
  });
});

describe("limits", () => {
  it("stops huge repeats: the output of one render is bounded", () => {
    const big = "x".repeat(200_000);
    const template = Array.from({ length: 8 }, () => "{{ blob + blob }}");
    expect(() => render(template, { data: { blob: big } })).toThrow(TemplateLimitError);
    const objects = Array.from({ length: 50 }, () => "{{ data }}");
    expect(() => render(objects, { data: { blob: "y".repeat(100_000) } })).toThrow(TemplateLimitError);
    expect(() => render("{{ json(data) }}", { data: { blob: "z".repeat(300_000) } })).toThrow(TemplateLimitError);
  });
  it("lets a render just under the limit through", () => {
    const out = render("{{ blob }}", { data: { blob: "q".repeat(MAX_OUTPUT_CHARS - 10) } });
    expect((out as string).length).toBe(MAX_OUTPUT_CHARS - 10);
  });
  it("compiles once: a compiled template renders many scopes", () => {
    const compiled = compileTemplate({ s: "{{ upper(name) }}" });
    expect(renderTemplate(compiled, { data: { name: "a" } })).toEqual({ s: "A" });
    expect(renderTemplate(compiled, { data: { name: "b" } })).toEqual({ s: "B" });
  });
});
