"""The console's icons: inline SVG from one small sprite, never emoji (a machine without an emoji font shows
emoji as empty boxes).

The shapes come from the ``lucide-static`` npm package (ISC licence), installed with the other front-end
libraries. ``make assets`` runs this file as a script to gather the icons named below into one sprite,
``static/vendor/icons.svg`` (not committed); pages refer to a shape with ``<svg><use href="…#i-NAME">``
(the ``icon()`` template global, and ``lcIcon()`` in ``static/js/app.js`` for the scripts).

This module imports nothing of livecrew: the Makefile runs it with the system Python before the
virtual environment exists.
"""

from __future__ import annotations

import re
import sys
from html import escape
from pathlib import Path

# Where pages find the sprite (the static mount plus the vendor folder the Makefile fills).
SPRITE_URL = "/static/vendor/icons.svg"

# Our name -> the lucide icon's file name (without .svg). Only these go into the sprite.
ICONS: dict[str, str] = {
    # console sections
    "home": "house",
    "team": "users",
    "goods": "package",
    "shows": "calendar-days",
    "live": "radio",
    "channels": "messages-square",
    "review": "chart-line",
    "incidents": "siren",
    "service": "headset",
    "settings": "settings",
    "section": "circle-small",  # a section without its own icon
    # page furniture and states
    "menu": "menu",
    "check": "check",
    "close": "x",
    "warning": "triangle-alert",
    "timer": "timer",
    "drill": "flask-conical",
    "evidence": "paperclip",
    "photo": "camera",
    "morning": "sun",
    "evening": "moon",
    "reply": "corner-down-right",
    "goto": "chevron-right",
    "star": "star",
    "up": "arrow-up",
    "down": "arrow-down",
    "clock": "clock",
    "hash": "hash",
    "dot": "circle",
    "lineup": "list-ordered",
    "alert": "bell-ring",
    "ticket": "inbox",
    "task": "list-checks",
    "review-todo": "clipboard-pen",
    "checklist": "clipboard-check",
    "replace": "replace",
    "host-screen": "monitor",
}

_OPEN_TAG = re.compile(r"<svg\b[^>]*>", re.S)
_CLOSE_TAG = re.compile(r"</svg>\s*$", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _inner(svg_text: str) -> str:
    """The drawing inside one lucide file (its ``<svg>`` wrapper and licence comment removed)."""
    text = _COMMENT.sub("", svg_text).strip()
    opening = _OPEN_TAG.search(text)
    if opening is None:
        raise ValueError("not an SVG file")
    body = _CLOSE_TAG.sub("", text[opening.end() :])
    return " ".join(line.strip() for line in body.splitlines() if line.strip())


def build_sprite(icon_dir: Path) -> str:
    """One SVG document holding a ``<symbol id="i-NAME">`` per icon in :data:`ICONS`."""
    symbols = []
    for name, source in ICONS.items():
        drawing = _inner((icon_dir / f"{source}.svg").read_text(encoding="utf-8"))
        # No fill or stroke here: they come from the page's ``.icon`` rule through <use>, so one icon can be
        # drawn filled (the "dot") and the others outlined.
        symbols.append(f'<symbol id="i-{name}" viewBox="0 0 24 24">{drawing}</symbol>')
    licence = "Icons: Lucide (lucide-static, ISC licence), https://lucide.dev"
    return f'<svg xmlns="http://www.w3.org/2000/svg"><!-- {licence} -->\n' + "\n".join(symbols) + "\n</svg>\n"


def icon_markup(name: str, label: str | None = None, css: str = "") -> str:
    """An inline ``<svg>`` that draws icon ``name``. Decorative (hidden from screen readers) unless a
    ``label`` is given; then it is announced as an image with that label (and shows it as a tooltip)."""
    if name not in ICONS:
        raise KeyError(f"unknown icon {name!r}; add it to livecrew.web.icons.ICONS")
    classes = f"icon icon-{name}" + (f" {css}" if css else "")
    use = f'<use href="{SPRITE_URL}#i-{name}"></use>'
    if label:
        text = escape(label)
        return f'<svg class="{classes}" role="img" aria-label="{text}"><title>{text}</title>{use}</svg>'
    return f'<svg class="{classes}" aria-hidden="true" focusable="false">{use}</svg>'


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: icons.py LUCIDE_ICON_DIR OUTPUT_SVG", file=sys.stderr)
        return 2
    out = Path(argv[2])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_sprite(Path(argv[1])), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
