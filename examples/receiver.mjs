// A local webhook receiver: `node examples/receiver.mjs [whsec_… secret] [port]` prints each delivery and checks its Standard Webhooks signature.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
const [secret = "", port = "4000"] = process.argv.slice(2);
const key = secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret);
createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c)).on("end", () => {
    const mac = "v1," + createHmac("sha256", key).update(`${req.headers["webhook-id"]}.${req.headers["webhook-timestamp"]}.${body}`).digest("base64");
    const ok = String(req.headers["webhook-signature"] ?? "").split(" ").some((s) => s.length === mac.length && timingSafeEqual(Buffer.from(s), Buffer.from(mac)));
    console.log(`${req.headers["x-webhook-event"]} ${secret ? (ok ? "signature ok" : "SIGNATURE MISMATCH") : "(no secret given)"}\n${body}`);
    res.writeHead(secret && !ok ? 401 : 200).end("ok");
  });
}).listen(Number(port), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
