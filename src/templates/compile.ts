/** Compiling a template: a JSON value whose strings hold `{{ expression }}` placeholders. */
import { TemplateSyntaxError } from "./errors";
import { compileExpression, type Evaluator } from "./expression";

/** A compiled template node. */
export type CompiledNode =
  | { kind: "value"; value: unknown }
  | { kind: "whole"; evaluate: Evaluator }
  | { kind: "text"; parts: (string | Evaluator)[] }
  | { kind: "array"; items: CompiledNode[] }
  | { kind: "object"; entries: [string, CompiledNode][] };

/** A compiled template: render it with renderTemplate. */
export interface CompiledTemplate {
  root: CompiledNode;
  /** False when the template holds no placeholder (rendering returns a copy of it). */
  dynamic: boolean;
}

/** The index of the `}}` closing a placeholder whose text starts at `from` (quotes skipped), or -1. */
function closingBraces(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "}" && text[i + 1] === "}") return i;
  }
  return -1;
}

function compileString(text: string, path: string): CompiledNode {
  const parts: (string | Evaluator)[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf("{{", cursor);
    if (open < 0) break;
    const close = closingBraces(text, open + 2);
    if (close < 0) throw new TemplateSyntaxError("placeholder opened with {{ is never closed with }}", path, open);
    if (open > cursor) parts.push(text.slice(cursor, open));
    parts.push(compileExpression(text.slice(open + 2, close), open + 2, path));
    cursor = close + 2;
  }
  if (parts.length === 0) return { kind: "value", value: text };
  if (cursor < text.length) parts.push(text.slice(cursor));
  if (parts.length === 1 && typeof parts[0] === "function") return { kind: "whole", evaluate: parts[0] };
  return { kind: "text", parts };
}

function compileNode(value: unknown, path: string): CompiledNode {
  const at = (key: string | number) => (path === "" ? String(key) : `${path}.${key}`);
  if (typeof value === "string") return compileString(value, path);
  if (Array.isArray(value)) return { kind: "array", items: value.map((item, i) => compileNode(item, at(i))) };
  if (value !== null && typeof value === "object") {
    return { kind: "object", entries: Object.entries(value).map(([key, item]) => [key, compileNode(item, at(key))]) };
  }
  return { kind: "value", value };
}

function isDynamic(node: CompiledNode): boolean {
  if (node.kind === "value") return false;
  if (node.kind === "array") return node.items.some(isDynamic);
  if (node.kind === "object") return node.entries.some(([, item]) => isDynamic(item));
  return true;
}

/** Parses and checks every placeholder of a template; throws TemplateSyntaxError with the path and position of the first problem. */
export function compileTemplate(template: unknown): CompiledTemplate {
  const root = compileNode(template, "");
  return { root, dynamic: isDynamic(root) };
}

/** The first problem of a template (null when it compiles): for validation when it is saved. */
export function checkTemplate(template: unknown): TemplateSyntaxError | null {
  try {
    compileTemplate(template);
    return null;
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return error;
    throw error;
  }
}
