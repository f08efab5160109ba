"""Jinja2 templates and the filters every page uses (money, dates, statuses)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .. import __version__

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def day(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value[:10]
    return value.strftime("%a %d %b %Y") if isinstance(value, date) and not isinstance(value, datetime) \
        else value.strftime("%d %b %Y")


def moment(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def words(value: Any) -> str:
    return str(value or "").replace("_", " ")


def options(values: list[str]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select, labelled in words."""
    return [(v, words(v)) for v in values]


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=money, day=day, moment=moment, words=words, urldecode=unquote,
                       options=options)
    env.globals["version"] = __version__
    return env


templates = _env()


def render(name: str, **context: Any) -> str:
    return templates.get_template(name).render(**context)
