/** A stable string hash (FNV-1a, 32 bits): the same number in every isolate and deploy, for shard and leaf choice. */

/** FNV-1a 32-bit hash of a string. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
