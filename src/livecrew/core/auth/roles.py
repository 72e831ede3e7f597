"""The roles a person can hold in a workspace: ``owner`` plus the eight team roles."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    host = "host"
    assistant = "assistant"
    operations = "operations"
    selection = "selection"
    controller = "controller"
    service = "service"
    analyst = "analyst"
    tech = "tech"


TEAM_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.owner)

ROLE_NAMES: dict[Role, dict[str, str]] = {
    Role.owner: {"zh-Hant": "負責人", "zh-Hans": "负责人", "en": "Owner"},
    Role.host: {"zh-Hant": "主播", "zh-Hans": "主播", "en": "Host"},
    Role.assistant: {"zh-Hant": "助理 / 副播", "zh-Hans": "助理 / 副播", "en": "Assistant"},
    Role.operations: {"zh-Hant": "直播運營", "zh-Hans": "直播运营", "en": "Operations"},
    Role.selection: {"zh-Hant": "選品專員", "zh-Hans": "选品专员", "en": "Product selection"},
    Role.controller: {"zh-Hant": "場控", "zh-Hans": "场控", "en": "Live-room controller"},
    Role.service: {"zh-Hant": "直播客服", "zh-Hans": "直播客服", "en": "Customer service"},
    Role.analyst: {"zh-Hant": "數據分析", "zh-Hans": "数据分析", "en": "Data analyst"},
    Role.tech: {"zh-Hant": "技術", "zh-Hans": "技术", "en": "Tech"},
}


def parse_role(value: str) -> Role:
    """Turn user input into a Role, or raise ValueError listing the valid keys."""
    key = value.strip().lower()
    try:
        return Role(key)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f'unknown role "{value}"; use one of: {valid}') from None
