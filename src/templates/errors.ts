/** Template errors: a parse or check failure (with where it is) and a limit hit while rendering. */

/** A template that does not parse or uses something not allowed; `path` is where in the JSON value, `position` the character in that string. */
export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    /** Dotted path of the string inside the template value ("" for a template that is one string). */
    readonly path: string,
    /** 0-based character offset of the problem inside that string. */
    readonly position: number,
  ) {
    super(message);
    this.name = "TemplateSyntaxError";
  }
}

/** A render that went past a deliberate limit (output size, string size). */
export class TemplateLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateLimitError";
  }
}
