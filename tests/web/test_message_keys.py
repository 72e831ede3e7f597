"""Every message a person can see has a catalog key, and every key is in all three catalogs.

Walks the code: each domain error raised (ValidationFailed, NotFound, Conflict, Forbidden) names a catalog key;
each key written in Python, a template or a script exists; the three catalogs agree on keys and placeholders.
"""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth import service as auth
from livecrew.web.i18n import CATALOG_DIR
from support import Factory, csrf, login

SRC = Path(__file__).resolve().parents[2] / "src" / "livecrew"
LANGS = ("zh-Hant", "zh-Hans", "en")
ERRORS = {"ValidationFailed", "NotFound", "Conflict", "Forbidden"}


def _catalog(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(Path(CATALOG_DIR, f"{lang}.json").read_text(encoding="utf-8"))
    return data


KNOWN = {lang: _catalog(lang) for lang in LANGS}


def _known(key: str) -> bool:
    return all(key in KNOWN[lang] for lang in LANGS)


def _known_prefix(prefix: str) -> bool:
    return any(k.startswith(prefix) for k in KNOWN["en"])


def _error_names(tree: ast.Module) -> set[str]:
    """The names this module binds to livecrew.core.errors' domain errors (aliases included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "livecrew.core.errors":
            names |= {a.asname or a.name for a in node.names if a.name in ERRORS}
    return names


def _raises() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local = _error_names(tree)
        if path.parent.name == "core" and path.name == "errors.py":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (isinstance(func, ast.Name) and func.id in local) or (
                isinstance(func, ast.Attribute)
                and func.attr in ERRORS
                and isinstance(func.value, ast.Name)
                and func.value.id == "errors"
            ):
                found.append((str(path.relative_to(SRC)), node.lineno, node))
    return found


def test_the_walk_finds_the_errors() -> None:
    assert len(_raises()) > 300


def test_every_domain_error_names_a_key_in_all_three_catalogs() -> None:
    missing_key, unknown = [], []
    for where, line, call in _raises():
        keyword = next((k for k in call.keywords if k.arg == "key"), None)
        if keyword is None:
            if any(k.arg is None for k in call.keywords):  # **kwargs passed on: checked where they are built
                continue
            missing_key.append(f"{where}:{line}")
            continue
        value = keyword.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            if not _known(value.value):
                unknown.append(f"{where}:{line} {value.value}")
        elif isinstance(value, ast.JoinedStr):  # f"ready.doc_missing.{kind}": its fixed start names a family
            head = value.values[0]
            if not (isinstance(head, ast.Constant) and _known_prefix(str(head.value))):
                unknown.append(f"{where}:{line} {ast.unparse(value)}")
    assert not missing_key, f"domain errors raised without key=: {missing_key}"
    assert not unknown, f"keys missing from a catalog: {unknown}"


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_the_catalogs_agree_on_keys_and_placeholders() -> None:
    assert set(KNOWN["zh-Hant"]) == set(KNOWN["zh-Hans"]) == set(KNOWN["en"])
    differ = [
        key
        for key, text in KNOWN["en"].items()
        if not (_fields(text) == _fields(KNOWN["zh-Hant"][key]) == _fields(KNOWN["zh-Hans"][key]))
    ]
    assert not differ, differ


_T_CALL = re.compile(r"""(?<![A-Za-z_.])(?:t|_t|_)\(\s*['"]([a-z][a-z_0-9]*\.[a-z_.0-9]+)['"]""")


@pytest.mark.parametrize("suffix", ["*.html", "*.js", "*.py"])
def test_every_key_used_exists(suffix: str) -> None:
    unknown = []
    for path in SRC.rglob(suffix):
        if "vendor" in path.parts:
            continue
        for key in _T_CALL.findall(path.read_text(encoding="utf-8")):
            if key.endswith("."):
                if not _known_prefix(key):
                    unknown.append(f"{path.relative_to(SRC)} {key}")
            elif not _known(key):
                unknown.append(f"{path.relative_to(SRC)} {key}")
    assert not unknown, unknown


def test_scripts_show_no_english_words_of_their_own() -> None:
    """The console's scripts take their words from the page (data-label-* attributes filled from the catalogs):
    a string literal with an English word that reaches textContent/innerHTML is a message without a key."""
    visible = re.compile(r"""(?:textContent|innerText|title|placeholder)\s*=\s*(["'])([^"']*[A-Za-z]{2,}[^"']*)\1""")
    found = []
    for path in (SRC / "web" / "static" / "js").glob("*.js"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for _quote, literal in visible.findall(line):
                found.append(f"{path.name}:{number} {literal!r}")
    assert not found, found


def test_form_checks_name_the_field_by_its_label_in_the_readers_language(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    login(client, owner.email)
    form = {"sku": "M-1", "title": "面膜", "list_price": "599", "stock": "很多", "csrf_token": csrf(client)}
    page = client.post("/goods/products", data=form).text
    assert "「庫存」要填整數" in page and "「stock」" not in page
    page = client.post("/goods/products", data={**form, "stock": "-3"}).text
    assert "「庫存」要填 0 到" in page and "要填整數" not in page  # −3 is a whole number: say the range instead
    page = client.post("/goods/products", data={**form, "stock": "3", "list_price": "九百"}).text
    assert "「原價」" in page and "list_price" not in page.split("<main")[-1].split('name="list_price"')[0]


def test_a_console_form_that_fails_its_schema_answers_in_the_readers_language(
    client: TestClient, factory: Factory, db: Session
) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    auth.set_language(db, owner, "zh-Hans")
    db.commit()
    login(client, owner.email)
    r = client.post(
        "/incidents/drill",
        data={"show_id": "x", "kind": "stream_down", "minutes": "五", "csrf_token": csrf(client)},
    )
    assert r.status_code == 422
    assert "「长度（分钟）」要填整数" in r.text
    assert "The request is not valid" not in r.text and "int_parsing" not in r.text


def test_an_api_caller_that_asks_for_a_language_gets_its_errors_in_it(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    headers = {"Authorization": f"Bearer {token}"}
    plain = client.post("/api/v1/team/duties", json={"role": "dj", "phase": "during", "title": "x"}, headers=headers)
    assert plain.status_code == 422 and "unknown role" in plain.json()["message"]  # programs keep the plain words
    asked = client.post(
        "/api/v1/team/duties?lang=zh-Hans", json={"role": "dj", "phase": "during", "title": "x"}, headers=headers
    )
    assert asked.json()["message"] == KNOWN["zh-Hans"]["err.bad_role"].format(role="dj")
    bad = client.post(
        "/api/v1/shows", json={"title": "x", "starts_at": "2030-01-01T20:00", "minutes": "五"},
        headers={**headers, "Accept-Language": "en-US"},
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["message"].startswith("Some of what was sent is not right")
