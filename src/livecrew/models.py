"""Every table of every feature, imported in one place so the metadata is complete (Alembic, tests)."""

from livecrew.core.db import Base
from livecrew.features import modules_named

# core/auth/models.py and each feature's models.py register their tables on Base.metadata.
MODEL_MODULES = modules_named("models")
metadata = Base.metadata

__all__ = ["MODEL_MODULES", "metadata"]
