"""The channels migration gives workspaces and shows that existed before it their tags and channels."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from livecrew.core.db import make_engine
from livecrew.core.migrate import upgrade


def test_existing_workspaces_and_shows_get_their_channels(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0006")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, name, currency, timezone, default_language, created_at) "
                "VALUES ('w1', '舊工作區', 'TWD', 'Asia/Taipei', 'zh-Hant', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO shows (id, workspace_id, title, room, theme, starts_at, planned_minutes, status, "
                "required_roles, targets, created_at) VALUES ('s1', 'w1', '舊場次', '', '', '2026-01-02 12:00:00', 60, "
                "'ended', '[]', '{}', '2026-01-01 00:00:00')"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        channels = conn.execute(text("SELECT show_id, kind, key FROM comms_channels ORDER BY id")).all()
        tags = conn.execute(text("SELECT key FROM comms_tags WHERE workspace_id = 'w1' ORDER BY position")).all()
    engine.dispose()
    assert [tuple(c) for c in channels] == [
        (None, "workspace", "service"),
        (None, "workspace", "selection"),
        ("s1", "preview", "s1:preview"),
        ("s1", "live", "s1:live"),
        ("s1", "emergency", "s1:emergency"),
    ]
    assert [t[0] for t in tags] == ["product", "order", "tech", "stock", "complaint", "compliance"]
