"""Arrays derived from the shipped text data, kept on disk between runs of the command line.

``arrays(name, source, build)`` returns the arrays that ``build()`` makes from ``source`` (bytes that hold all
they are made of: a word list, say), loaded from ``<cache dir>/<name>-<checksum>.npz`` when that file exists and
was made from the same source: the file keeps the source it was made from (with the numpy version and ``FORMAT``,
bumped whenever the code that builds the arrays changes meaning) and is read only when that is equal, byte for
byte, so a file is never read for other data or other code. (The file's name only finds it: a CRC-32, because
importing hashlib costs more than reading the arrays.) A file that cannot be read is rebuilt;
a directory that cannot be written to only costs the build each time. The file is written whole to a temporary
name and renamed, so concurrent runs never see half a file; files of the same name made for other data or code
are removed then.

The cache directory is ``LIVECREW_CACHE_DIR``, else ``$XDG_CACHE_HOME/livecrew``, else ``~/.cache/livecrew``;
``LIVECREW_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "2"


def directory() -> Path | None:
    """Where the arrays are kept, or None when the cache is off."""
    chosen = os.environ.get("LIVECREW_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "livecrew"


def _keyed(source: bytes) -> bytes:
    """The source with what else the arrays depend on: numpy's version and ``FORMAT``."""
    return f"{FORMAT}\0{np.__version__}\0".encode() + source


def arrays(name: str, source: bytes, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The arrays ``build()`` makes from ``source``, read from the cache when it holds them."""
    where = directory()
    if where is None:
        return build()
    keyed = _keyed(source)
    path = where / f"{name}-{zlib.crc32(keyed):08x}{len(keyed):x}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            if stored["__source__"].tobytes() == keyed:
                return {key: stored[key] for key in stored.files if key != "__source__"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # not there yet, or unreadable: build it again
    made = build()
    import tempfile  # only when a file is written

    try:
        where.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}-", suffix=".npz", dir=where)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, __source__=np.frombuffer(keyed, dtype=np.uint8), **made)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for stale in where.glob(f"{name}-*.npz"):  # files made for other data or other code
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full disk: the arrays are built again next time
    return made
