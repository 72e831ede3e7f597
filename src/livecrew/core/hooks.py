"""Workspace hooks that features declare in their manifests (``livecrew.core.plugins.Feature``):

* ``on_workspace_created(db, clock, workspace)`` — e.g. seed default templates for a new workspace.
* ``on_demo_seed(db, clock, workspace)`` — add the feature's demo data to the demo workspace
  (called after the demo team and its week of shows exist; must be idempotent).

Hooks run inside the caller's transaction; they flush, never commit. ``on_workspace_created`` hooks are run
by ``core.auth.service.create_workspace``: they create the workspace's settings rows, so that reading a
page never has to write one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.plugins import loaded

if TYPE_CHECKING:
    from livecrew.core.auth.models import Workspace


# The demo workspace's people sign in as <login>@DEMO_DOMAIN (livecrew.demo seeds them; features' demo
# hooks find them by these addresses).
DEMO_DOMAIN = "demo.livecrew.dev"


def demo_email(login: str) -> str:
    return f"{login}@{DEMO_DOMAIN}"


def run_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    for hook in loaded("on_demo_seed"):
        hook(db, clock, workspace)
