"""Workspace hooks that features declare in their manifests (``livecrew.core.plugins.Feature``):

* ``on_workspace_created(db, clock, workspace)`` — e.g. seed default templates for a new workspace.
* ``on_demo_seed(db, clock, workspace)`` — add the feature's demo data to the demo workspace
  (called after the demo team and its week of shows exist; must be idempotent).

Hooks run inside the caller's transaction; they flush, never commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.plugins import loaded

if TYPE_CHECKING:
    from livecrew.core.auth.models import Workspace


def run_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    for hook in loaded("on_workspace_created"):
        hook(db, clock, workspace)


def run_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    for hook in loaded("on_demo_seed"):
        hook(db, clock, workspace)
