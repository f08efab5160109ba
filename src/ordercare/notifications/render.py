"""E-mail templates: one Jinja2 file per touchpoint (templates/<touchpoint>.j2) with three blocks —
`subject`, `text` and `html` — rendered separately from the same context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader

_env = Environment(loader=PackageLoader("ordercare.notifications", "templates"), trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def render_email(touchpoint: str, context: dict[str, Any]) -> RenderedEmail:
    t = _env.get_template(f"{touchpoint}.j2")

    def block(name: str) -> str | None:
        if name not in t.blocks:
            return None
        return "".join(t.blocks[name](t.new_context(context))).strip()

    subject = " ".join((block("subject") or touchpoint).split())  # one line, whatever the template did
    return RenderedEmail(subject=subject[:300], text=(block("text") or "") + "\n", html=block("html"))
