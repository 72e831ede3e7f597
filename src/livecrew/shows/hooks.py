"""Shows' hooks: every new workspace starts with its scheduling rules and the shipped show templates in its
language."""

from __future__ import annotations

from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import Clock
from livecrew.shows import schedule, service


def on_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    schedule.create_settings(db, workspace)
    service.install_shipped_templates(db, clock, workspace)
