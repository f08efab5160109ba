"""Reading multipart/form-data (file uploads) with the standard library's MIME parser.

The text fields become the page's Form (so the CSRF token and the other inputs are read as from any form); the
files are kept apart as Upload(filename, data). The server's body limit (api/guards.py, 1 MB) applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

MAX_PARTS = 50


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> tuple[list[tuple[str, str]], dict[str, Upload]]:
    """(text fields, files by input name); a malformed body reads as no fields (the CSRF check then refuses it)."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1", "replace")
                                                  + b"\r\n\r\n" + body)
    if not message.is_multipart():
        return [], {}
    fields: list[tuple[str, str]] = []
    files: dict[str, Upload] = {}
    for part in list(message.iter_parts())[:MAX_PARTS]:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = Upload(filename.replace("\\", "/").rsplit("/", 1)[-1][:200], data)
        else:
            fields.append((name, data.decode("utf-8", "replace")))
    return fields, files
