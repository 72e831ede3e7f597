"""Tables for the text engine: a workspace's compliance lexicon changes.

The shipped lexicon (``text/data/lexicon.json``) is the same for everyone. A workspace edits it by appending
changes, one row per change with a version number that increases per workspace; the workspace's lexicon is the
shipped one with its changes folded in version order (``text/lexicon.py``). Rows are never updated or deleted:
a revert is a new change that brings back the state of an earlier version.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class ChangeAction(StrEnum):
    add = "add"  # a new term (with category, severity, profiles, reason, languages)
    remove = "remove"  # a term leaves the lexicon (shipped or added earlier)
    allow = "allow"  # an allow-word: text covered by it is never flagged
    unallow = "unallow"  # an allow-word leaves the lexicon (shipped or added earlier)
    revert = "revert"  # back to the state after ``target_version`` (0: the shipped lexicon)


class LexiconChange(Base):
    __tablename__ = "text_lexicon_changes"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(12))
    term: Mapped[str] = mapped_column(String(80), default="")  # the term or allow-word, as written
    category: Mapped[str | None] = mapped_column(String(20), default=None)
    severity: Mapped[str | None] = mapped_column(String(8), default=None)
    profiles: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    target_version: Mapped[int | None] = mapped_column(Integer, default=None)
    # allow / unallow: the term (as written) the allow-word protects; empty: every term of the lexicon.
    applies_to: Mapped[str] = mapped_column(String(80), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
