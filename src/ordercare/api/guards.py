"""ASGI guards in front of the app: request body size and characters no database stores (NUL)."""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

MAX_BODY_BYTES = 1_000_000


class RequestGuard:
    """Refuses bodies over the limit however they are sent (Content-Length or chunked), and NUL in the URL.

    The body is read up front (it is small by construction) and replayed to the app.
    """

    def __init__(self, app, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            return await _error(send, 422, "invalid_characters", "url: contains a NUL character", "url")
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _error(send, 413, "payload_too_large", f"body: larger than {self.max_body} bytes", "body")
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                return await _error(send, 413, "payload_too_large", f"body: larger than {self.max_body} bytes",
                                    "body")
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


async def _error(send, status: int, code: str, message: str, field: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
