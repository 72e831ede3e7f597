"""Cross-feature hooks, discovered by convention: a feature's ``hooks.py`` may define

* ``on_workspace_created(db, clock, workspace)`` — e.g. seed default templates for a new workspace.
* ``on_demo_seed(db, clock, workspace)`` — add the feature's demo data to the demo workspace
  (called after the demo team and its week of shows exist; must be idempotent).

Hooks run inside the caller's transaction; they flush, never commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from livecrew.core.clock import Clock

if TYPE_CHECKING:
    from livecrew.core.auth.models import Workspace


def run_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    from livecrew.features import modules_named

    for module in modules_named("hooks"):
        hook = getattr(module, "on_workspace_created", None)
        if hook is not None:
            hook(db, clock, workspace)


def run_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    from livecrew.features import modules_named

    for module in modules_named("hooks"):
        hook = getattr(module, "on_demo_seed", None)
        if hook is not None:
            hook(db, clock, workspace)
