/** Plain-text tables that fit the terminal (80 columns by default): flexible columns are cut with an ellipsis. */

/** The terminal width tables are fitted to. */
export const TABLE_WIDTH = 80;
const GAP = "  ";
const ELLIPSIS = "…";

/** One column of a table. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** May be cut to fit (urls, names, descriptions); fixed columns (ids, status) never are. */
  flex?: boolean;
}

/** A value as one line of text: null/undefined as "-", objects as compact JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (typeof value === "string") return value.replace(/[\r\n\t]+/g, " ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Cuts `text` to `width` characters, ending with an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, Math.max(width, 0)).join("");
  return chars.slice(0, width - 1).join("") + ELLIPSIS;
}

const widthOf = (s: string) => [...s].length;

/** Narrowest a flexible column gets: first 8 characters each, then 4 when that is not enough. */
const FLEX_MINIMUMS = [8, 4];

/** Shrinks the widest flexible column one character at a time until the row fits `max`. */
function fitWidths(widths: number[], flex: boolean[], max: number): number[] {
  const out = [...widths];
  let total = out.reduce((a, b) => a + b, 0) + GAP.length * (out.length - 1);
  for (const min of FLEX_MINIMUMS) {
    while (total > max) {
      let widest = -1;
      for (let i = 0; i < out.length; i++) if (flex[i] && out[i]! > min && (widest < 0 || out[i]! > out[widest]!)) widest = i;
      if (widest < 0) break;
      out[widest]!--;
      total--;
    }
  }
  return out;
}

/** An ISO-8601 time as `YYYY-MM-DD HH:MM` UTC, for table cells (json keeps the full value). */
export function shortTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** Renders rows as aligned columns with a header line, no wider than `width`. */
export function renderTable<T>(rows: T[], columns: Column<T>[], width = TABLE_WIDTH): string {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const natural = columns.map((c, i) => Math.max(widthOf(c.header), ...cells.map((row) => widthOf(row[i]!))));
  const widths = fitWidths(natural, columns.map((c) => c.flex === true), width);
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const text = truncate(v, widths[i]!);
        return i === values.length - 1 ? text : text + " ".repeat(widths[i]! - widthOf(text));
      })
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join("\n") + "\n";
}

/** Renders one object as `field  value` lines (nested values as compact JSON), no wider than `width`. */
export function renderRecord(record: Record<string, unknown>, width = TABLE_WIDTH): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return "(empty)\n";
  const keyWidth = Math.max(...entries.map(([k]) => widthOf(k)));
  return (
    entries
      .map(([k, v]) => `${k}${" ".repeat(keyWidth - widthOf(k))}${GAP}${truncate(cell(v), Math.max(8, width - keyWidth - GAP.length))}`)
      .join("\n") + "\n"
  );
}
