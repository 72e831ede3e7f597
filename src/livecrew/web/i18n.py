"""Message catalogs for the console (Traditional Chinese, Simplified Chinese, English).

Catalogs are flat JSON files, ``i18n/<language>.json``; a test keeps their keys identical.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from livecrew.core.config import LANGUAGES
from livecrew.core.shipped import match_accept_language

__all__ = ["LANGUAGE_NAMES", "Translator", "catalog", "match_accept_language", "pick"]

CATALOG_DIR = Path(__file__).parent / "i18n"
FALLBACK = "en"
LANGUAGE_NAMES = {"zh-Hant": "繁體中文", "zh-Hans": "简体中文", "en": "English"}


@cache
def catalog(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((CATALOG_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return data


def pick(text: Any, language: str) -> str:
    """A string from a {language: text} mapping (or a plain string), in the wanted language."""
    if isinstance(text, dict):
        return str(text.get(language) or text.get("zh-Hant") or text.get("en") or next(iter(text.values()), ""))
    return str(text or "")


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else FALLBACK
        self._messages = catalog(self.language)
        self._fallback = catalog(FALLBACK)

    def __call__(self, key: str, /, **params: Any) -> str:
        message = self._messages.get(key) or self._fallback.get(key) or key
        return message.format(**params) if params else message

    def pick(self, texts: dict[str, str]) -> str:
        """Choose the right language out of a {language: text} mapping."""
        return texts.get(self.language) or texts.get(FALLBACK) or next(iter(texts.values()), "")
