"""The console in Simplified Chinese and in English, page by page, as the demo's owner and its controller.

Fails on Traditional-only characters in a zh-Hans page (what OpenCC's t2s would still convert), on raw catalog keys
(``err.xxx``, ``nav.xxx``), on English words in a Chinese page and on Chinese in an English page. What the team
typed is theirs and stays as typed (the demo's people, products, show titles, rooms, comments): every text stored
in the workspace's own rows is taken out of the page before the check. Built-in content (duties, templates, run of
show, checklists, KPI names, the demo's tasks) is not: it must read in the reader's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import opencc
import pytest
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.engine import Engine

from livecrew.core.auth.models import Workspace
from livecrew.core.db import make_engine
from livecrew.demo import DEMO_PASSWORD, DEMO_WORKSPACE, demo_email
from livecrew.models import metadata
from livecrew.web.i18n import CATALOG_DIR
from support import shot

pytestmark = pytest.mark.browser

T2S = opencc.OpenCC("t2s")
PAGES = [
    "/",
    "/team",
    "/team/duties",
    "/team/kpis",
    "/goods",
    "/shows",
    "/shows/templates",
    "{show}",
    "/schedule",
    "/live",
    "{live}",
    "/channels",
    "/incidents",
    "/review",
    "/service",
    "/tasks",
    "/settings/workspace",
]


def _shipped() -> set[str]:
    """Built-in content must follow the reader: its texts are never taken for the team's data."""
    from livecrew.board.demo_texts import DEMO_TASKS
    from livecrew.core import shipped
    from livecrew.shows.templates import shipped_templates
    from livecrew.team import duties, kpis

    index = shipped.index_of(duties.shipped_roles(), kpis.shipped(), shipped_templates(), [t for *_, t in DEMO_TASKS])
    return set(index)


SHIPPED = _shipped()
# Words a Chinese page may show in Latin letters: names of things, units and codes every team uses as they are.
LATIN_OK = {
    "livecrew", "sku", "gmv", "uv", "pv", "roi", "kpi", "gpm", "aov", "api", "csv", "xlsx", "pdf", "json", "id",
    "url", "sse", "twd", "cny", "hkd", "usd", "asia", "taipei", "shanghai", "utc", "english", "line", "telegram",
    "slack", "webhook", "ntfy", "tiktok", "douyin", "ios", "android", "emoji", "ok", "min", "sev", "vs", "am", "pm",
    "mib", "http", "https", "email", "mail", "obs", "rtmp", "wifi", "cpu", "ai", "qr", "app", "pos", "uvp", "bp",
    "lc", "example", "com", "demo", "livecrew-demo", "facebook", "excel", "graph", "chromium", "youtube",
    "instagram", "shopee", "twitch", "whatsapp", "wechat", "opencc",
}  # fmt: skip
LANGUAGE_NAMES = ("繁體中文", "简体中文", "English")  # the language picker names each language in its own script
# Codes and addresses are no words: paths and URLs, file names, acronyms in capitals (POST, MTTA, SGD), versions.
NOT_WORDS = re.compile(
    r"\S*/\S*|\b[a-z0-9]+(?:[._][a-z0-9]+)+\b|\b\w+\.(?:md|csv|xlsx|json|pdf)\b|\b[A-Z]{2,6}\b|\bv?\d+(?:\.\d+)+\b"
)
KEY_LIKE = re.compile(r"(?<![\w./-])([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?![\w/-])")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
CODE = re.compile(r"[a-z0-9_.:\-]*")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _keys() -> set[str]:
    return set(json.loads(Path(CATALOG_DIR, "en.json").read_text(encoding="utf-8")))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _data(engine: Engine) -> list[str]:
    """Every text the workspace's own rows hold (not built-in content), longest first."""
    found: set[str] = set()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for value in row:
                    for text in _strings(value):
                        for part in text.splitlines():
                            if text in SHIPPED or part in SHIPPED:
                                continue
                            if CODE.fullmatch(part.strip()):  # a status or a key: a code, not the team's words
                                continue
                            if part.strip() and (CJK.search(part) or LATIN_WORD.search(part)):
                                found.add(part.strip())
    return sorted(found, key=len, reverse=True)


def _problems(text: str, lang: str, data: list[str], keys: set[str]) -> list[str]:
    for item in (*data, *LANGUAGE_NAMES):
        if item in text:
            text = text.replace(item, " ")
    problems = [f"raw key {k}" for k in KEY_LIKE.findall(text) if k in keys or k.split(".")[0] in ("err", "nav")]
    for line in text.splitlines():
        line = line.strip()
        if not line or any(item.startswith(line) for item in data):  # a name's initial (an avatar) is data too
            continue
        if lang == "zh-Hans" and T2S.convert(line) != line:
            problems.append(f"Traditional: {line[:80]}")
        if lang.startswith("zh"):
            words = [w for w in LATIN_WORD.findall(NOT_WORDS.sub(" ", line)) if w.lower() not in LATIN_OK]
            if words:
                problems.append(f"English {words[:5]}: {line[:80]}")
        elif CJK.search(line):
            problems.append(f"Chinese: {line[:80]}")
    return problems


def _ids(engine: Engine) -> tuple[str, str]:
    from livecrew.shows.models import Show

    with engine.connect() as conn:
        ws = conn.execute(select(Workspace.id).where(Workspace.name == DEMO_WORKSPACE)).scalar_one()
        shows = conn.execute(select(Show.id, Show.status).where(Show.workspace_id == ws)).all()
    ready = next((i for i, s in shows if s in ("ready", "live", "rehearsing")), shows[0][0])
    return shows[0][0], ready


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
@pytest.mark.parametrize("login", ["owner", "control"])
def test_every_main_page_reads_in_the_readers_language(
    page: object, live_server: str, db_url: str, lang: str, login: str
) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    engine = make_engine(db_url)
    keys = _keys()
    show, live = _ids(engine)
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email(login))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.select_option("#lang-select", lang)
    page.wait_for_function(f"document.documentElement.lang === {json.dumps(lang)}")
    found: dict[str, list[str]] = {}
    for path in PAGES:
        url = path.replace("{show}", f"/shows/{show}").replace("{live}", f"/live/{live}")
        response = page.goto(live_server + url)
        assert response is not None and response.status < 500, url
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        problems = _problems(text, lang, _data(engine), keys)
        if problems:
            found[url] = problems
        shot(page, f"lang-{lang}-{login}-{url.strip('/').replace('/', '-') or 'home'}")
    engine.dispose()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
