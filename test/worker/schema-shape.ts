// Reads the shape of a D1 database (tables, columns, indexes, triggers) and says exactly how two differ.

/** Bookkeeping tables that are not part of the schema. */
const IGNORED = /^(sqlite_|_cf_|d1_migrations$)/;

/** One line per schema fact, keyed so that two shapes can be compared key by key. */
export type SchemaShape = Map<string, string>;

const squash = (sql: string | null): string => (sql ?? "").replace(/\s+/g, " ").trim();

/** The shape of `db`: columns with type/default/notnull/pk, indexes with columns, uniqueness and condition, triggers. */
export async function schemaShape(db: D1Database): Promise<SchemaShape> {
  const shape: SchemaShape = new Map();
  const objects = await db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").all<{ type: string; name: string; tbl_name: string; sql: string | null }>();
  for (const object of objects.results) {
    if (IGNORED.test(object.name) || IGNORED.test(object.tbl_name)) continue;
    if (object.type === "table") {
      shape.set(`table ${object.name}`, "exists");
      const columns = await db.prepare(`PRAGMA table_info("${object.name}")`).all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>();
      for (const c of columns.results) {
        shape.set(`column ${object.name}.${c.name}`, `type ${c.type || "(none)"}, ${c.notnull ? "NOT NULL" : "nullable"}, default ${c.dflt_value ?? "(none)"}, pk ${c.pk}`);
      }
    } else if (object.type === "index") {
      const list = await db.prepare(`PRAGMA index_list("${object.tbl_name}")`).all<{ name: string; unique: number; partial: number }>();
      const entry = list.results.find((i) => i.name === object.name);
      const columns = await db.prepare(`PRAGMA index_info("${object.name}")`).all<{ seqno: number; name: string | null }>();
      const names = columns.results.sort((a, b) => a.seqno - b.seqno).map((c) => c.name ?? "(expr)");
      const where = entry?.partial ? ` WHERE ${squash(object.sql).split(/ WHERE /i).slice(1).join(" WHERE ")}` : "";
      shape.set(`index ${object.name}`, `on ${object.tbl_name} (${names.join(", ")})${entry?.unique ? " UNIQUE" : ""}${where}`);
    } else {
      shape.set(`${object.type} ${object.name}`, squash(object.sql));
    }
  }
  return shape;
}

/**
 * Every difference between two shapes, one readable line each (empty when equal), e.g.
 * `column events.data_ref: only in migrations (type TEXT, nullable, default (none), pk 0)`.
 */
export function diffShapes(left: SchemaShape, right: SchemaShape, leftName: string, rightName: string): string[] {
  const lines: string[] = [];
  for (const key of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const a = left.get(key);
    const b = right.get(key);
    if (a === b) continue;
    if (b === undefined) lines.push(`${key}: only in ${leftName} (${a})`);
    else if (a === undefined) lines.push(`${key}: only in ${rightName} (${b})`);
    else lines.push(`${key}: ${leftName} has "${a}", ${rightName} has "${b}"`);
  }
  return lines;
}
