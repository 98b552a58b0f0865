/** One `{{ … }}` expression: parsed by jsep, checked against the allowed grammar, compiled to a closure (no code generation). */
import jsep from "jsep";
import { TemplateSyntaxError } from "./errors";
import { bounded, templateFunction, TEMPLATE_DATE_FORMATS, textOf } from "./functions";
import { FORBIDDEN_PROPERTIES, MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH } from "./limits";

/** What expressions read: named roots (event, data, metadata, tenant, steps, params, ...); other names fall back to `data`. */
export type TemplateScope = Readonly<Record<string, unknown>>;

/** A compiled expression. */
export type Evaluator = (scope: TemplateScope) => unknown;

const BINARY = new Set(["==", "!=", ">", ">=", "<", "<=", "&&", "||", "+"]);
const UNARY = new Set(["!", "-"]);
/** A wave-1 path (`data.items.0.sku`, `event.x-y`): read as a path without the expression parser. */
const PATH_ONLY = /^[A-Za-z_$][\w$]*(?:\.[\w$:-]+)*$/;
const KEYWORDS = new Set(["true", "false", "null", "this"]);

/** Where a problem sits: the expression's offset in its string plus a best guess inside the expression. */
interface Site {
  source: string;
  offset: number;
  path: string;
}

function fail(site: Site, message: string, needle?: string): never {
  const at = needle === undefined ? -1 : site.source.indexOf(needle);
  throw new TemplateSyntaxError(message, site.path, site.offset + Math.max(0, at));
}

/** An own, non-prototype property of an object or array, else undefined. */
export function readProperty(target: unknown, key: unknown): unknown {
  if (target === null || typeof target !== "object") return undefined;
  if (typeof key !== "string" && !(typeof key === "number" && Number.isInteger(key))) return undefined;
  const name = String(key);
  if (FORBIDDEN_PROPERTIES.has(name) || !Object.hasOwn(target, name)) return undefined;
  return (target as Record<string, unknown>)[name];
}

/** A root name's value: the scope's own entry, else the top of `data`. */
function readRoot(scope: TemplateScope, name: string): unknown {
  return Object.hasOwn(scope, name) ? scope[name] : readProperty(scope.data, name);
}

function pathEvaluator(segments: string[]): Evaluator {
  const [root, ...rest] = segments as [string, ...string[]];
  return (scope) => {
    let value = readRoot(scope, root);
    for (const key of rest) {
      value = readProperty(value, key);
      if (value === undefined) return undefined;
    }
    return value;
  };
}

const same = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);

function compare(op: string, a: unknown, b: unknown): boolean {
  const comparable = (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
  if (!comparable) return false;
  const [x, y] = [a as number, b as number];
  return op === ">" ? x > y : op === ">=" ? x >= y : op === "<" ? x < y : x <= y;
}

function binary(op: string, left: Evaluator, right: Evaluator): Evaluator {
  switch (op) {
    case "&&":
      return (s) => left(s) && right(s);
    case "||":
      return (s) => left(s) || right(s);
    case "==":
      return (s) => same(left(s), right(s));
    case "!=":
      return (s) => !same(left(s), right(s));
    case "+":
      return (s) => {
        const a = left(s);
        const b = right(s);
        return typeof a === "number" && typeof b === "number" ? a + b : bounded(textOf(a) + textOf(b));
      };
    default:
      return (s) => compare(op, left(s), right(s));
  }
}

function compileNode(node: jsep.Expression, site: Site, depth: number): Evaluator {
  if (depth > MAX_EXPRESSION_DEPTH) fail(site, `expression nested deeper than ${MAX_EXPRESSION_DEPTH}`);
  const next = (child: jsep.Expression) => compileNode(child, site, depth + 1);
  switch (node.type) {
    case "Literal": {
      const value = (node as jsep.Literal).value;
      if (value instanceof RegExp) fail(site, "regular expressions are not allowed");
      return () => value;
    }
    case "Identifier": {
      const name = (node as jsep.Identifier).name;
      if (FORBIDDEN_PROPERTIES.has(name)) fail(site, `"${name}" cannot be read`, name);
      return (scope) => readRoot(scope, name);
    }
    case "MemberExpression": {
      const member = node as jsep.MemberExpression;
      const target = next(member.object);
      if (!member.computed) {
        const name = (member.property as jsep.Identifier).name;
        if (FORBIDDEN_PROPERTIES.has(name)) fail(site, `"${name}" cannot be read`, name);
        return (scope) => readProperty(target(scope), name);
      }
      const key = next(member.property);
      return (scope) => readProperty(target(scope), key(scope));
    }
    case "UnaryExpression": {
      const unary = node as jsep.UnaryExpression;
      if (!UNARY.has(unary.operator)) fail(site, `operator "${unary.operator}" is not allowed`, unary.operator);
      const arg = next(unary.argument);
      if (unary.operator === "!") return (scope) => !arg(scope);
      return (scope) => {
        const v = arg(scope);
        return typeof v === "number" ? -v : null;
      };
    }
    case "BinaryExpression": {
      const bin = node as jsep.BinaryExpression;
      if (!BINARY.has(bin.operator)) fail(site, `operator "${bin.operator}" is not allowed (use == != > >= < <= && || + ! ? :)`, bin.operator);
      return binary(bin.operator, next(bin.left), next(bin.right));
    }
    case "ConditionalExpression": {
      const cond = node as jsep.ConditionalExpression;
      const [test, yes, no] = [next(cond.test), next(cond.consequent), next(cond.alternate)];
      return (scope) => (test(scope) ? yes(scope) : no(scope));
    }
    case "CallExpression": {
      const call = node as jsep.CallExpression;
      const name = call.callee.type === "Identifier" ? (call.callee as jsep.Identifier).name : "";
      const fn = templateFunction(name);
      if (!fn) fail(site, `only the functions upper, lower, json, default, date and len can be called`, "(");
      const count = call.arguments.length;
      if (count < fn.minArgs || count > fn.maxArgs) fail(site, `${name}() takes ${fn.minArgs === fn.maxArgs ? fn.minArgs : `${fn.minArgs} or ${fn.maxArgs}`} argument(s)`, name);
      const format = call.arguments[1];
      if (name === "date" && format?.type === "Literal" && !TEMPLATE_DATE_FORMATS.includes(String((format as jsep.Literal).value))) {
        fail(site, `date() formats are ${TEMPLATE_DATE_FORMATS.join(", ")}`, String((format as jsep.Literal).raw));
      }
      const args = call.arguments.map(next);
      return (scope) => fn.call(args.map((arg) => arg(scope)));
    }
    default:
      return fail(site, `${node.type === "Compound" ? "several expressions in one placeholder are" : `${node.type} is`} not allowed`);
  }
}

/**
 * Compiles the text between `{{` and `}}`. `offset` is where that text starts in its string and
 * `path` where the string sits in the template; both end up in a TemplateSyntaxError.
 */
export function compileExpression(source: string, offset = 0, path = ""): Evaluator {
  const site: Site = { source, offset, path };
  const text = source.trim();
  if (text === "") fail(site, "empty placeholder");
  if (source.length > MAX_EXPRESSION_CHARS) fail(site, `expression longer than ${MAX_EXPRESSION_CHARS} characters`);
  if (PATH_ONLY.test(text) && !KEYWORDS.has(text)) {
    const segments = text.split(".");
    const forbidden = segments.find((s) => FORBIDDEN_PROPERTIES.has(s));
    if (forbidden) fail(site, `"${forbidden}" cannot be read`, forbidden);
    return pathEvaluator(segments);
  }
  let ast: jsep.Expression;
  try {
    ast = jsep(source);
  } catch (error) {
    const index = (error as { index?: number }).index ?? 0;
    const reason = (error as { description?: string }).description ?? (error as Error).message;
    throw new TemplateSyntaxError(reason, path, offset + index);
  }
  if (ast.type === "ThisExpression") fail(site, "this is not allowed");
  return compileNode(ast, site, 0);
}
