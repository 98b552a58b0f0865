# Verifies an edgehook delivery (Standard Webhooks) with Python's standard library only.
# Usage: WEBHOOK_SECRET=whsec_... python3 verify.py <webhook-id> <webhook-timestamp> "<webhook-signature>" < body
import base64, hashlib, hmac, os, sys, time

def verify(secret: str, msg_id: str, timestamp: str, signatures: str, body: bytes, tolerance: int = 300) -> bool:
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for entry in signatures.split(" "):
        version, _, value = entry.partition(",")
        try:
            given = base64.b64decode(value)
        except ValueError:
            continue
        if version == "v1" and hmac.compare_digest(given, expected):
            return True
    return False

if __name__ == "__main__":
    ok = verify(os.environ.get("WEBHOOK_SECRET", ""), sys.argv[1], sys.argv[2], sys.argv[3], sys.stdin.buffer.read())
    print("valid" if ok else "invalid")
    sys.exit(0 if ok else 1)
