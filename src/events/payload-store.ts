/**
 * The payload store: where a large text value (event data, a task's `expected`) lives. Small
 * values stay in their own column; above `gzipMinBytes` the column holds PAYLOAD_MARKER and a
 * `payloads` row holds the gzip bytes; above `r2MinBytes` the gzip bytes go to R2 (PAYLOADS) and
 * the row holds the reference. Every writer and reader of such a column goes through here.
 */
import { getConfig } from "../config";
import { D1_MAX_VALUE_BYTES, D1LimitError, utf8Bytes } from "../lib/d1-limits";

/** The column value meaning "kept in the payload store under this row's key" (never JSON; an empty plain value reads back as ""). */
export const PAYLOAD_MARKER = "";

/** Size thresholds (bytes of UTF-8 text). */
export interface PayloadStoreOptions {
  /** Values larger than this are gzip-compressed out of their row. */
  gzipMinBytes: number;
  /** Values larger than this go to R2. */
  r2MinBytes: number;
}

/** A value prepared for its row: what the column holds and the statements to put in the same D1 batch. */
export interface PreparedPayload {
  column: string;
  statements: D1PreparedStatement[];
  /** The R2 object written ahead of the batch (to delete if the batch does not commit), if any. */
  r2Key?: string;
}

/** A payloads row as D1 returns it. */
interface PayloadRow {
  key: string;
  encoding: "gzip" | "r2";
  /** D1 returns a BLOB as an array of byte values. */
  body: number[] | ArrayBuffer | null;
}

/** The bindings the store uses. */
export interface PayloadEnv {
  DB: D1Database;
  PAYLOADS: R2Bucket;
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: number[] | ArrayBuffer | ReadableStream): Promise<string> {
  const source = bytes instanceof ReadableStream ? bytes : new Blob([new Uint8Array(bytes)]).stream();
  return new Response(source.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** Reads and writes large text values; see the module comment. */
export class PayloadStore {
  constructor(
    private readonly env: PayloadEnv,
    private readonly options: PayloadStoreOptions,
  ) {}

  /**
   * Prepares `text` for the column of the row whose payload key is `key` (`<table>/<id>/<field>`).
   * An R2 value is written now, before the caller's batch; `onlyIf` (SQL returning a row, with `?`
   * bound to `onlyIfValue`) makes the payloads row conditional, e.g. on the event row existing.
   */
  async prepare(key: string, text: string, now: number, onlyIf?: { sql: string; value: string }): Promise<PreparedPayload> {
    if (text.length * 3 <= this.options.gzipMinBytes) return { column: text, statements: [] };
    const bytes = utf8Bytes(text);
    if (bytes <= this.options.gzipMinBytes) return { column: text, statements: [] };
    const compressed = await gzip(text);
    let body: Uint8Array | null = compressed;
    let r2Key: string | undefined;
    if (bytes > this.options.r2MinBytes) {
      await this.env.PAYLOADS.put(key, compressed, { httpMetadata: { contentType: "application/gzip" }, customMetadata: { bytes: String(bytes) } });
      body = null;
      r2Key = key;
    } else if (compressed.byteLength > D1_MAX_VALUE_BYTES) {
      throw new D1LimitError(`payload ${key} compresses to ${compressed.byteLength} bytes, over D1's limit; lower PAYLOAD_R2_MIN_BYTES`);
    }
    const values = [key, r2Key ? "r2" : "gzip", body, bytes, now];
    const insert = "INSERT OR REPLACE INTO payloads (key, encoding, body, bytes, created_at)";
    const statement = onlyIf
      ? this.env.DB.prepare(`${insert} SELECT ?, ?, ?, ?, ? WHERE EXISTS (${onlyIf.sql})`).bind(...values, onlyIf.value)
      : this.env.DB.prepare(`${insert} VALUES (?, ?, ?, ?, ?)`).bind(...values);
    return { column: PAYLOAD_MARKER, statements: [statement], ...(r2Key ? { r2Key } : {}) };
  }

  /** Deletes R2 objects written by `prepare` whose batch did not commit (best effort). */
  async discard(prepared: readonly PreparedPayload[]): Promise<void> {
    const keys = prepared.flatMap((p) => (p.r2Key ? [p.r2Key] : []));
    if (keys.length) await this.env.PAYLOADS.delete(keys).catch(() => undefined);
  }

  /**
   * The stored texts of `keys` (whose columns hold PAYLOAD_MARKER), in one D1 query plus one R2
   * read per R2 value. A key with no payload is absent from the result.
   */
  async load(keys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (keys.length === 0) return out;
    const rows = await this.env.DB.prepare("SELECT key, encoding, body FROM payloads WHERE key IN (SELECT value FROM json_each(?))").bind(JSON.stringify(keys)).all<PayloadRow>();
    await Promise.all(
      rows.results.map(async (row) => {
        if (row.encoding === "gzip" && row.body) out.set(row.key, await gunzip(row.body));
        if (row.encoding !== "r2") return;
        const object = await this.env.PAYLOADS.get(row.key);
        if (object) out.set(row.key, await gunzip(object.body));
      }),
    );
    return out;
  }

  /** One column value read back: itself, or the stored text when it is the marker ("" when none is stored). */
  async read(key: string, column: string | null): Promise<string | null> {
    if (column !== PAYLOAD_MARKER) return column;
    return (await this.load([key])).get(key) ?? PAYLOAD_MARKER;
  }

  /**
   * Deletes up to `limit` payloads whose key starts with `prefix` and that were stored before
   * `cutoff`, R2 objects first. Returns how many rows went.
   */
  async purge(prefix: string, cutoff: number, limit: number): Promise<number> {
    const rows = await this.env.DB.prepare("SELECT key, encoding FROM payloads WHERE key >= ?1 AND key < ?1 || char(1114111) AND created_at < ?2 LIMIT ?3")
      .bind(prefix, cutoff, limit)
      .all<{ key: string; encoding: string }>();
    const keys = rows.results.map((r) => r.key);
    const r2Keys = rows.results.filter((r) => r.encoding === "r2").map((r) => r.key);
    for (let i = 0; i < r2Keys.length; i += 1000) await this.env.PAYLOADS.delete(r2Keys.slice(i, i + 1000));
    if (keys.length) await this.env.DB.prepare("DELETE FROM payloads WHERE key IN (SELECT value FROM json_each(?))").bind(JSON.stringify(keys)).run();
    return keys.length;
  }
}

/** The payload store of an environment with its configured thresholds (PAYLOAD_GZIP_MIN_BYTES, PAYLOAD_R2_MIN_BYTES). */
export function payloadStore(env: Env): PayloadStore {
  return new PayloadStore(env, getConfig(env).payloads);
}
