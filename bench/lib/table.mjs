// Plain-text tables for bench output: one row per object, columns from the union of keys.

const cell = (v) => (v === null || v === undefined ? "-" : typeof v === "number" ? v.toLocaleString("en-US", { maximumFractionDigits: 2 }) : typeof v === "object" ? JSON.stringify(v) : String(v));

/** Renders rows (flat objects) as an aligned text table; numbers right-aligned. */
export function formatTable(rows, columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]) {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === "number" || r[c] === null || r[c] === undefined));
  const line = (values) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** Prints a titled table of a scenario result: `result.rows` if present, then its scalar fields. */
export function printResult(name, result, out = process.stdout) {
  out.write(`\n== ${name} ==\n`);
  if (Array.isArray(result?.rows) && result.rows.length) out.write(`${formatTable(result.rows)}\n`);
  const scalars = Object.entries(result ?? {}).filter(([, v]) => v === null || typeof v !== "object");
  if (scalars.length) out.write(`${formatTable(scalars.map(([key, value]) => ({ key, value })))}\n`);
}
