"""The live message catalog: every kind is declared once, every published kind is declared, and the
console's scripts handle every kind of the stream they open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from livecrew.core.live_messages import UndeclaredLiveMessage, catalog, check, markdown

SRC = Path(__file__).resolve().parents[2] / "src" / "livecrew"
JS = SRC / "web" / "static" / "js"
# Which script opens which stream: the control room the show's, the home page the workspace's.
SCRIPTS = {"show": JS / "live.js", "workspace": JS / "app.js"}


def test_the_console_handles_every_kind_of_each_stream() -> None:
    """Each kind a browser's stream carries is listened for by the console's scripts (the control room's
    live.js, the home page's app.js, a feature's own page script such as comms.js)."""
    scripts = "\n".join(p.read_text(encoding="utf-8") for p in sorted(JS.glob("*.js")))
    missing = [m.kind for m in catalog().values() if m.channels != ("server",) and f'"{m.kind}"' not in scripts]
    assert missing == [], f"live messages without a handler in the console: {missing}"
    # The control room handles every kind of the show stream itself.
    control_room = SCRIPTS["show"].read_text(encoding="utf-8")
    # ... but for the features whose own script the control room loads (comms' host bits, incidents' panel).
    own = [
        m.kind for m in catalog().values() if "show" in m.channels and not m.kind.startswith(("comms.", "incident."))
    ]
    assert [kind for kind in own if f'"{kind}"' not in control_room] == []


def test_every_kind_published_in_the_code_is_declared() -> None:
    published: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "publish" in line or "_message(" in line:
                published.update(re.findall(r'"kind": "([a-z_.]+)"', line))
        published.update(re.findall(r'_publish\(db, \w+, "([a-z_.]+)"', text))
    assert published, "the scan found the publishing code"
    assert published <= set(catalog()), published - set(catalog())


def test_a_message_of_an_undeclared_kind_or_without_its_fields_is_refused() -> None:
    check({"kind": "task.changed", "id": 3})
    with pytest.raises(UndeclaredLiveMessage):
        check({"kind": "task.exploded", "id": 3})
    with pytest.raises(UndeclaredLiveMessage):
        check({"kind": "action", "id": 1, "payload": {}})
    assert "| `action` | show |" in markdown()


def test_the_architecture_document_lists_every_kind() -> None:
    doc = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert [kind for kind in catalog() if f"| `{kind}` |" not in doc] == []
