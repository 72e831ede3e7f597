"""Every table of every feature, imported in one place so the metadata is complete (Alembic, tests)."""

from livecrew.core.auth import models as auth_models
from livecrew.core.db import Base
from livecrew.core.plugins import import_models

# The core's tables, then each feature's models modules as its manifest lists them.
import_models()
metadata = Base.metadata

__all__ = ["auth_models", "metadata"]
