// Verifies an edgehook delivery (Standard Webhooks) with Node's crypto only.
// Usage: WEBHOOK_SECRET=whsec_... node verify.mjs <webhook-id> <webhook-timestamp> "<webhook-signature>" < body
import { createHmac, timingSafeEqual } from "node:crypto";

export function verify(secret, id, timestamp, signatures, body, toleranceSeconds = 300) {
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const [id, timestamp, signature] = process.argv.slice(2);
const ok = verify(process.env.WEBHOOK_SECRET ?? "", id ?? "", timestamp ?? "", signature ?? "", Buffer.concat(chunks).toString("utf8"));
console.log(ok ? "valid" : "invalid");
process.exit(ok ? 0 : 1);
