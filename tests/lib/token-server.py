#!/usr/bin/env python3
"""A token server for docker-registry's `auth: token` (docker's token authentication
specification), for tests only.

GET /token?service=S&scope=repository:NAME:ACTIONS... answers {"token": JWT, "access_token": JWT}.
The JWT is RS256, signed with `openssl dgst` by KEY, and carries CERT in its x5c header: the
registry (distribution 2.8) checks that chain against its auth.token.rootcertbundle, then the
issuer, the audience (= its service) and the expiry, and takes the granted actions from "access".

With valid basic credentials (--user USER:PASS) every requested action is granted; anonymous
requests get a token without access (enough for /v2/, nothing more); wrong credentials get 401.
The chosen port is written to --port-file once the server listens.
"""
import argparse
import base64
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--user", required=True, help="USER:PASS")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", default=None)
    args = ap.parse_args()

    der = subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    header = b64url(json.dumps({"typ": "JWT", "alg": "RS256",
                                "x5c": [base64.b64encode(der).decode()]}).encode())
    lock = threading.Lock()
    log = open(args.log, "a") if args.log else None

    def sign(claims):
        payload = b64url(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode()
        with lock:
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key],
                                 input=signing_input, check=True, capture_output=True).stdout
        return f"{header}.{payload}.{b64url(sig)}"

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            if log:
                log.write("%s\n" % (fmt % a))
                log.flush()

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
            query = urllib.parse.parse_qs(url.query)
            subject = ""
            auth = self.headers.get("Authorization")
            if auth:
                kind, _, value = auth.partition(" ")
                try:
                    given = base64.b64decode(value).decode()
                except Exception:
                    given = None
                if kind.lower() != "basic" or given != args.user:
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                        "message": "invalid username or password"}]})
                subject = given.split(":", 1)[0]
            access = []
            if subject:
                for scope in query.get("scope", []):
                    # repository:NAME:ACTIONS, where NAME may hold colons (host:port/...)
                    kind, _, rest = scope.partition(":")
                    name, _, actions = rest.rpartition(":")
                    access.append({"type": kind, "name": name,
                                   "actions": [a for a in actions.split(",") if a]})
            now = int(time.time())
            claims = {"iss": args.issuer, "sub": subject,
                      "aud": query.get("service", [""])[0],
                      "exp": now + 300, "nbf": now - 10, "iat": now,
                      "jti": b64url(os.urandom(12)), "access": access}
            token = sign(claims)
            self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
