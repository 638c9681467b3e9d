"""A stand-in for GOV.UK Notify's API on 127.0.0.1, for tests that drive the official client against it.

It checks each request as Notify does: a bearer JWT signed (HS256) with the service's secret key, issued by the
service id, recent; the JSON body of POST /v2/notifications/email and /sms; and answers
GET /v2/notifications?reference=... It can be told to fail the next requests (`fail_next`), or to accept a
notification and still answer 500 (`lose_answer_next`, a lost response).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt


@dataclass
class NotifyStandIn:
    service_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    secret: str = field(default_factory=lambda: str(uuid.uuid4()))
    base_url: str = ""
    #: Notifications it accepted, in order (each the request's JSON with its id, type and status).
    accepted: list[dict] = field(default_factory=list)
    #: Every request: (method, path, status answered).
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    #: Statuses to answer the next POSTs with instead of accepting them.
    fail_next: list[int] = field(default_factory=list)
    #: How many next POSTs to accept and then answer 500 anyway.
    lose_answer_next: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_key(self) -> str:
        return f"portal_tests-{self.service_id}-{self.secret}"

    def authorised(self, header: str) -> str | None:
        if not header.startswith("Bearer "):
            return "no bearer token"
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), self.secret, algorithms=["HS256"],
                                options={"require": ["iss", "iat"]})
        except jwt.PyJWTError as error:
            return f"bad token: {error}"
        if claims["iss"] != self.service_id:
            return "token issued by another service"
        if abs(time.time() - claims["iat"]) > 30:
            return "token too old"
        return None

    def check_body(self, kind: str, body: dict) -> str | None:
        to = "email_address" if kind == "email" else "phone_number"
        if not isinstance(body.get(to), str) or not body[to]:
            return f"{to} missing"
        try:
            uuid.UUID(body.get("template_id", ""))
        except (ValueError, TypeError, AttributeError):
            return "template_id is not a UUID"
        if "personalisation" in body and not isinstance(body["personalisation"], dict):
            return "personalisation must be an object"
        if kind == "sms" and not body[to].startswith("+447"):
            return "not a UK mobile number"
        return None

    def handle(self, method: str, url, headers, body: bytes) -> tuple[int, dict]:
        problem = self.authorised(headers.get("Authorization", ""))
        if problem:
            self.problems.append(problem)
            return 403, {"errors": [{"error": "AuthError", "message": problem}], "status_code": 403}
        if method == "GET" and url.path == "/v2/notifications":
            reference = parse_qs(url.query).get("reference", [None])[0]
            found = [n for n in self.accepted if reference is None or n.get("reference") == reference]
            return 200, {"notifications": found, "links": {}}
        kind = {"/v2/notifications/email": "email", "/v2/notifications/sms": "sms"}.get(url.path)
        if method != "POST" or kind is None:
            return 404, {"errors": [{"error": "NotFound", "message": "no such path"}], "status_code": 404}
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        problem = "body is not JSON" if not isinstance(data, dict) else self.check_body(kind, data)
        if problem:
            self.problems.append(problem)
            return 400, {"errors": [{"error": "BadRequestError", "message": problem}], "status_code": 400}
        with self.lock:
            if self.fail_next:
                status = self.fail_next.pop(0)
                return status, {"errors": [{"error": "Failure", "message": "stand-in failure"}], "status_code": status}
            notification = {**data, "id": str(uuid.uuid4()), "type": kind, "status": "created"}
            self.accepted.append(notification)
            if self.lose_answer_next:
                self.lose_answer_next -= 1
                return 500, {"errors": [{"error": "Exception", "message": "lost answer"}], "status_code": 500}
        return 201, {"id": notification["id"], "reference": data.get("reference"), "content": {},
                     "template": {"id": data["template_id"], "version": 1, "uri": ""}, "uri": ""}


class _Handler(BaseHTTPRequestHandler):
    stand_in: NotifyStandIn

    def log_message(self, format, *args):
        pass

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        status, payload = self.stand_in.handle(method, url, self.headers, self.rfile.read(length))
        self.stand_in.requests.append((method, url.path, status))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")


class running_stand_in:
    def __enter__(self) -> NotifyStandIn:
        self.stand_in = NotifyStandIn()
        handler = type("Handler", (_Handler,), {"stand_in": self.stand_in})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.stand_in.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="notify-stand-in", daemon=True)
        self.thread.start()
        return self.stand_in

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
