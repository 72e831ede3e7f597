"""Feature discovery: a feature joins the app by having modules with the conventional names.

* ``<feature>/models.py``  — tables (imported before Alembic or tests look at the metadata)
* ``<feature>/api.py``     — ``router`` under ``/api/v1``
* ``<feature>/pages.py``   — ``router`` of console pages
* ``<feature>/cli.py``     — ``register(app: typer.Typer)`` adding commands to ``livecrew``

Nothing else needs editing, so features can be built side by side without touching shared files.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

import livecrew

# The core's own modules are wired explicitly by app.py and cli.py.
_SKIP_PREFIXES = ("livecrew.migrations", "livecrew.web.static", "livecrew.web.templates")


@cache
def _all_module_names() -> tuple[str, ...]:
    names = []
    for info in pkgutil.walk_packages(livecrew.__path__, prefix="livecrew."):
        if info.name.startswith(_SKIP_PREFIXES):
            continue
        names.append(info.name)
    return tuple(sorted(names))


def modules_named(leaf: str) -> list[ModuleType]:
    """Import every ``livecrew.<...>.<leaf>`` module below the top level, in a stable order."""
    found = []
    for name in _all_module_names():
        parts = name.split(".")
        if len(parts) >= 3 and parts[-1] == leaf:
            found.append(importlib.import_module(name))
    return found
