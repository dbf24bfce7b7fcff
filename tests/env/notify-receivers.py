#!/usr/bin/env python3
"""Local receivers for the notification tests: nothing leaves loopback.

    notify-receivers.py DIR HTTP_PORT SMTP_PORT CERT KEY

HTTP: every POST is written to DIR/http-<n>.json as {"path", "headers", "body"}.
POSTs to /flaky fail with 500 twice, then succeed; /broken always fails.
SMTP: a sink that offers STARTTLS (with CERT/KEY) and AUTH PLAIN/LOGIN; each
message is written to DIR/mail-<n>.json as {"from", "to", "user", "tls",
"data"}. It refuses MAIL before AUTH when the client logged in is required
by nothing, so the test can see what the client did.
"""
import base64
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading

out_dir, http_port, smtp_port, cert, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
lock = threading.Lock()
counter = {"n": 0, "flaky": 0}


def write(kind, doc):
    with lock:
        counter["n"] += 1
        path = os.path.join(out_dir, "%s-%d.json" % (kind, counter["n"]))
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)


class Http(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        status = 200
        if self.path == "/broken":
            status = 500
        elif self.path == "/flaky":
            with lock:
                counter["flaky"] += 1
                status = 500 if counter["flaky"] <= 2 else 200
        write("http", {"path": self.path, "status": status, "headers": dict(self.headers), "body": body})
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Smtp(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        return self.rfile.readline().decode(errors="replace").rstrip("\r\n")

    def handle(self):
        tls, user, sender, rcpt = False, None, None, []
        self.send("220 ukiyo-test ESMTP")
        while True:
            line = self.readline()
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.send("250-ukiyo-test")
                if not tls:
                    self.send("250-STARTTLS")
                self.send("250 AUTH PLAIN LOGIN")
            elif verb == "STARTTLS":
                self.send("220 go ahead")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(cert, key)
                self.connection = ctx.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                tls = True
            elif verb == "AUTH":
                parts = line.split(" ")
                if parts[1].upper() == "PLAIN":
                    blob = parts[2] if len(parts) > 2 else (self.send("334 ") or self.readline())
                    user = base64.b64decode(blob).split(b"\0")[1].decode()
                else:
                    self.send("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.readline()).decode()
                    self.send("334 UGFzc3dvcmQ6")
                    self.readline()
                self.send("235 ok")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip()
                self.send("250 ok")
            elif verb == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip())
                self.send("250 ok")
            elif verb == "DATA":
                self.send("354 end with .")
                data = []
                while True:
                    l = self.readline()
                    if l == ".":
                        break
                    data.append(l)
                write("mail", {"from": sender, "to": rcpt, "user": user, "tls": tls, "data": "\n".join(data)})
                self.send("250 queued")
            elif verb == "QUIT" or line == "":
                self.send("221 bye")
                return
            else:
                self.send("250 ok")


class Threading(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


class ThreadingHttp(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


httpd = ThreadingHttp(("127.0.0.1", http_port), Http)
smtpd = Threading(("127.0.0.1", smtp_port), Smtp)
threading.Thread(target=smtpd.serve_forever, daemon=True).start()
with open(os.path.join(out_dir, "ready"), "w") as f:
    f.write("ready\n")
httpd.serve_forever()
