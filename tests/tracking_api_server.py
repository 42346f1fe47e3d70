"""A small HTTP server on 127.0.0.1 standing in for the tracking providers'
APIs in tests: it records every request and answers from a script."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with server.lock:
            server.requests.append(
                {
                    "method": "POST",
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            )
            script = server.scripts.get(self.path)
            reply = script.pop(0) if script else server.defaults.get(self.path, (404, {}))
        # (status, payload[, delay in seconds[, extra headers]])
        status, payload, *rest = reply
        delay = rest[0] if rest else 0
        headers = rest[1] if len(rest) > 1 else {}
        if delay:
            time.sleep(delay)
        data = json.dumps(payload, ensure_ascii=False).encode()
        # The client may have given up (a timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class TrackingApiServer:
    """``defaults`` maps a path to its usual ``(status, json)`` answer;
    ``script(path, *replies)`` queues answers given first (a reply may add a
    delay in seconds as third item); ``requests`` lists what arrived."""

    def __init__(self, defaults):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.lock = threading.Lock()
        self.httpd.requests = []
        self.httpd.scripts = {}
        self.httpd.defaults = defaults
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def requests(self):
        return self.httpd.requests

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        with self.httpd.lock:
            self.httpd.requests.clear()
            self.httpd.scripts.clear()

    def script(self, path, *replies):
        with self.httpd.lock:
            self.httpd.scripts.setdefault(path, []).extend(replies)
