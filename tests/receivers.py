"""Real local servers for the outbox tests: an HTTP webhook receiver that can fail or hang on purpose, and
an SMTP server (aiosmtpd) that keeps what it is sent."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["Ordercare-Event-Id"]


@dataclass
class WebhookReceiver:
    """Answers each POST with the next status of `script` (then `default`); a status of None hangs the request
    until `release` is set (the worker is killed meanwhile)."""

    script: list[int | None] = field(default_factory=list)
    default: int = 200
    delay: float = 0.0  # seconds before answering (lets concurrent workers overlap)
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(dict(self.headers.items()), body))
                status = receiver.script.pop(0) if receiver.script else receiver.default
                receiver.arrived.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                if status is None:
                    receiver.release.wait(30)
                    return  # no answer at all: the connection just closes
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """aiosmtpd on a free local port; `messages` holds (envelope recipients, parsed message)."""

    def __init__(self, refuse: int | None = None):
        from aiosmtpd.controller import Controller

        sink = self
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = refuse  # answer DATA with this code (e.g. 451 temporary, 550 permanent) while set

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if sink.refuse:
                    return f"{sink.refuse} refused by the test"
                sink.messages.append((list(envelope.rcpt_tos),
                                      message_from_bytes(envelope.content, policy=policy.default)))
                return "250 OK"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()

    def text(self, i: int = -1) -> str:
        return self.messages[i][1].get_body(("plain",)).get_content()

    def html(self, i: int = -1) -> str:
        return self.messages[i][1].get_body(("html",)).get_content()
