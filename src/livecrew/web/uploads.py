"""An uploaded spreadsheet kept while the person decides what to do with its check (import the valid rows
only, or confirm prices worth a second look), so they need not upload it again. The import pages share it."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

from fastapi import Request, UploadFile

from livecrew.core.deps import app_context
from livecrew.core.errors import ValidationFailed

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class PendingUploads:
    """Uploads under ``data/imports/``, named by the workspace (and ``prefix``) and a random token."""

    def __init__(self, request: Request, workspace_id: str, prefix: str = "") -> None:
        self.folder: Path = app_context(request).settings.data_dir / "imports"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stem = f"{prefix}{workspace_id}"

    def _path(self, token: str, suffix: str) -> Path:
        return self.folder / f"{self.stem}-{token}{suffix}"

    async def read(self, pending: str, file: UploadFile | None) -> tuple[str, bytes]:
        """The file's name and bytes: the kept upload ``pending`` names, or the new ``file``."""
        if pending:
            if not _TOKEN.fullmatch(pending) or not self._path(pending, ".json").exists():
                raise ValidationFailed("that upload has expired; upload the file again", key="err.import_expired")
            name = str(json.loads(self._path(pending, ".json").read_text())["name"])
            return name, self._path(pending, ".bin").read_bytes()
        if file is None or not file.filename:
            raise ValidationFailed("choose an .xlsx or .csv file to upload", key="err.import_no_file")
        return file.filename, await file.read()

    def keep(self, name: str, data: bytes, token: str = "") -> str:
        """Keep the upload (again under ``token`` if it was kept before); its token."""
        token = token or secrets.token_urlsafe(18)
        self._path(token, ".bin").write_bytes(data)
        self._path(token, ".json").write_text(json.dumps({"name": name}))
        return token

    def drop(self, token: str) -> None:
        if token:
            for suffix in (".bin", ".json"):
                self._path(token, suffix).unlink(missing_ok=True)
