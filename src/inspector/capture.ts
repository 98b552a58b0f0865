/** What an inspector records of a request (pure): the body's first 256 KB, as text or base64, with the request line and headers. */
import { toBase64 } from "../lib/encoding";

/** Bytes of a body kept. */
export const INSPECTOR_BODY_LIMIT = 256 * 1024;
/** Requests kept per inspector (the newest). */
export const INSPECTOR_KEEP = 500;

/** A recorded request, as stored and returned. */
export interface CapturedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: "utf8" | "base64";
  bodySize: number;
  truncated: boolean;
  sourceIp: string | null;
}

/** Reads at most `limit` bytes of a stream and counts the rest without keeping it. */
export async function readCapped(stream: ReadableStream<Uint8Array> | null, limit = INSPECTOR_BODY_LIMIT): Promise<{ bytes: Uint8Array; size: number }> {
  if (!stream) return { bytes: new Uint8Array(0), size: 0 };
  const kept = new Uint8Array(limit);
  let used = 0;
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (used < limit) {
      const take = value.subarray(0, limit - used);
      kept.set(take, used);
      used += take.byteLength;
    }
  }
  return { bytes: kept.subarray(0, used), size };
}

/** The body as UTF-8 text when it is valid text, else base64. */
export function encodeBody(bytes: Uint8Array): { body: string; bodyEncoding: "utf8" | "base64" } {
  try {
    return { body: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), bodyEncoding: "utf8" };
  } catch {
    return { body: toBase64(bytes), bodyEncoding: "base64" };
  }
}

/** The part of the path below `/inspect/<id>` ("/" when none). */
export function capturedPath(pathname: string, inspectorId: string): string {
  const marker = `/inspect/${inspectorId}`;
  const at = pathname.indexOf(marker);
  const rest = at < 0 ? pathname : pathname.slice(at + marker.length);
  return rest === "" ? "/" : rest;
}
