"""Every table of every feature, imported in one place so the metadata is complete (Alembic, tests)."""

from livecrew.core.auth import models as auth_models
from livecrew.core.db import Base

metadata = Base.metadata

__all__ = ["auth_models", "metadata"]
