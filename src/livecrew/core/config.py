"""Settings, read from ``LIVECREW_*`` environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LANGUAGES: tuple[str, ...] = ("zh-Hant", "zh-Hans", "en")


class Settings(BaseSettings):
    """Runtime configuration. Every field maps to ``LIVECREW_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="LIVECREW_", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Where the SQLite file and uploads live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite in data_dir/livecrew.db."
    )
    redis_url: str | None = Field(default=None, description="Redis URL; unset means embedded mode.")
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    default_language: str = "zh-Hant"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    login_slow_after: int = Field(default=3, ge=1, description="Failures before sign-in is slowed down.")
    login_lock_after: int = Field(default=8, ge=2, description="Failures before sign-in is refused.")
    login_window_minutes: int = Field(default=15, ge=1)
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none (the peer's own address is the client's).",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        for item in (x.strip() for x in value.split(",")):
            if not item:
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; list proxies like 127.0.0.1,10.0.0.0/8"
                ) from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [x.strip() for x in self.trusted_proxies.split(",") if x.strip()]

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'livecrew.db').resolve()}"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
