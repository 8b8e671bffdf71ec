import hashlib, hmac, json, os, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["BILLING_BASTION_SECRET"].encode()
done = {}  # request_id -> answer; keep it in your database

class Refund(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ts = self.headers.get("X-Bastion-Request-Timestamp", "")
        mac = hmac.new(SECRET, b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
        if not ts.isdigit() or abs(time.time() - int(ts)) > 300 or not hmac.compare_digest(
                "v0=" + mac.hexdigest(), self.headers.get("X-Bastion-Signature", "")):
            return self.answer(401, {"text": "bad signature"})
        req = json.loads(body)
        invoice, cents = req["args"]["invoice"], req["args"]["amount"]
        if req["phase"] == "dry_run":
            return self.answer(200, {"text": f"Would refund {cents} cents of {invoice}."})
        if req["request_id"] not in done:  # run at most once per request id
            done[req["request_id"]] = {"text": f"Refunded {cents} cents of {invoice}."}
        self.answer(200, done[req["request_id"]])

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

server = HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Refund)
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
