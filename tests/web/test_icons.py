"""Icons are inline SVG from one sprite, never emoji: a machine without an emoji font showed empty boxes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from livecrew.web import icons
from livecrew.web.icons import ICONS, SPRITE_URL, build_sprite, icon_markup
from support import Factory, login

WEB = Path(icons.__file__).parent
NODE_ICONS = Path(__file__).resolve().parents[2] / "node_modules" / "lucide-static" / "icons"

# Pictographs and symbols that need an emoji or symbol font: emoji (U+1F000–U+1FAFF), dingbats and
# miscellaneous symbols (U+2600–U+27BF), technical symbols (U+2300–U+23FF), geometric shapes
# (U+25A0–U+25FF), the curved arrows (U+21A0–U+21FF), stars and the emoji selector. Plain arrows
# (→ ←), the middle dot and the prime stay: every CJK font has them.
PICTOGRAPH = re.compile(
    "[\u21a0-\u21ff\u2300-\u23ff\u25a0-\u25ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]"
)


def _console_sources() -> list[Path]:
    files = [*(WEB / "templates").rglob("*.html"), *(WEB / "static" / "css").rglob("*.css")]
    files += [p for p in (WEB / "static" / "js").rglob("*.js")]
    files += [WEB / "render.py", WEB / "icons.py", WEB / "pages.py"]
    return sorted(files)


def test_no_emoji_or_symbol_font_characters_in_the_console() -> None:
    found = []
    for path in _console_sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in PICTOGRAPH.finditer(line):
                found.append(f"{path.relative_to(WEB)}:{number}: U+{ord(match.group()):04X} {match.group()}")
    assert not found, "use icon() / lcIcon() instead:\n" + "\n".join(found)


def test_the_scan_catches_an_emoji() -> None:
    assert PICTOGRAPH.search("<h2>🚨 事故</h2>") and PICTOGRAPH.search("☰") and PICTOGRAPH.search("⚠")
    assert not PICTOGRAPH.search("看團隊 → 第 3′ · 已確認")


def test_every_icon_the_pages_and_scripts_name_is_in_the_sprite() -> None:
    named: set[str] = set()
    for path in (WEB / "templates").rglob("*.html"):
        named |= set(re.findall(r"icon\('([a-z-]+)'", path.read_text(encoding="utf-8")))
    for path in (WEB / "static" / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r'lcIcon\("([a-z-]+)"', text))
        named |= set(re.findall(r'lcIconText\((?:\w+|el\([^)]*\)), "([a-z-]+)"', text))
    assert named, "the scan found no icon at all"
    assert named <= set(ICONS), sorted(named - set(ICONS))


def test_icon_markup_is_hidden_from_screen_readers_unless_labelled() -> None:
    plain = icon_markup("warning")
    assert 'aria-hidden="true"' in plain and f'href="{SPRITE_URL}#i-warning"' in plain
    labelled = icon_markup("check", "主播 <a>")
    assert 'role="img"' in labelled and 'aria-label="主播 &lt;a&gt;"' in labelled
    assert "<title>主播 &lt;a&gt;</title>" in labelled and "aria-hidden" not in labelled
    with pytest.raises(KeyError):
        icon_markup("no-such-icon")


@pytest.mark.skipif(not NODE_ICONS.is_dir(), reason="the npm packages are not installed (make assets)")
def test_the_sprite_has_a_symbol_per_icon() -> None:
    sprite = build_sprite(NODE_ICONS)
    ids = re.findall(r'<symbol id="i-([a-z-]+)"', sprite)
    assert ids == list(ICONS)
    assert "<svg" not in sprite.split("<symbol", 1)[1], "a nested <svg> wrapper was left in a symbol"


def test_the_sprite_is_served_and_the_console_uses_it(client: TestClient, factory: Factory) -> None:
    served = client.get(SPRITE_URL)
    if served.status_code == 404 and not (WEB / "static" / "vendor" / "icons.svg").exists():
        pytest.skip("the sprite is built by `make assets`")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert all(f'id="i-{name}"' in served.text for name in ICONS)
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    login(client, owner.email)
    page = client.get("/").text
    assert f'<meta name="icon-sprite" content="{SPRITE_URL}">' in page
    assert f'<use href="{SPRITE_URL}#i-home">' in page and f'<use href="{SPRITE_URL}#i-menu">' in page
    assert not PICTOGRAPH.search(page)
