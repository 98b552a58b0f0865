/** Output formats: `json` prints exactly the response's data (a list: its array), `table` aligned text. */
import { UsageError } from "../lib/errors.js";
import { renderRecord, renderTable, type Column } from "./table.js";

/** The formats every command takes. */
export const FORMATS = ["table", "json"] as const;
/** One of FORMATS. */
export type Format = (typeof FORMATS)[number];

/** Parses --format. */
export function parseFormat(value: string | undefined): Format {
  const format = value ?? "table";
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")} (got "${format}")`);
  return format as Format;
}

/** How a command's data is shown as a table. */
export type TableView<T = any> =
  /** A list: the rows and their columns. */
  | { kind: "list"; rows: (data: T) => unknown[]; columns: Column<any>[] }
  /** One object as field/value lines (optionally only some fields, or reshaped first). */
  | { kind: "record"; pick?: (data: T) => Record<string, unknown> };

/** Renders `data` in `format`. For json a list view prints only its rows. */
export function render(data: unknown, format: Format, view: TableView = { kind: "record" }): string {
  if (format === "json") return JSON.stringify(view.kind === "list" ? view.rows(data) : data, null, 2) + "\n";
  if (view.kind === "list") return renderTable(view.rows(data), view.columns);
  const record = view.pick ? view.pick(data) : data;
  if (typeof record !== "object" || record === null) return `${String(record)}\n`;
  return renderRecord(record as Record<string, unknown>);
}
