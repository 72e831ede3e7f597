"""The Douyin / Compass adapter on recorded-style samples: what it maps, what it skips, and that the result is valid."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from livecrew.live.adapters.douyin import adapt
from livecrew.live.engine import compute
from livecrew.live.events import parse_body

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "events" / "douyin_sample.jsonl"


def test_sample_maps_to_valid_events() -> None:
    messages = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    result = adapt(messages)
    kinds = [e["type"] for e in result.events]
    assert kinds == ["enter", "comment", "like", "follow", "share", "gift", "online", "order", "pay", "live_end"]
    assert [i for i, _ in result.skipped] == [7, 8, 11]  # a leave-type member action, an unmapped kind, no msgId
    assert "WebcastRoomRankMessage" in result.skipped[1][1]
    by_type = {e["type"]: e for e in result.events}
    assert by_type["enter"]["ts"] == 1781262000000  # seconds become milliseconds
    assert by_type["comment"]["ts"] == 1781262005123  # milliseconds stay
    assert by_type["like"]["count"] == 15
    assert by_type["gift"]["value"] == 3 * 10 * 10  # 3 x 10 diamonds, 10 fen each
    assert by_type["online"]["count"] == 326
    assert by_type["pay"]["ts"] == 1781266900000  # 20:21:40 China time
    parsed = parse_body(b"\n".join(orjson.dumps({**e, "session": "dy"}) for e in result.events))
    assert parsed.rejected == []
    metrics = compute(parsed.events)["dy"]
    assert metrics["gmv"] == 19900 and metrics["paid_orders"] == 1 and metrics["new_followers"] == 1
    assert metrics["gift_value"] == 300 and metrics["likes"] == 15


def test_garbage_is_skipped_not_crashed_on() -> None:
    result = adapt([{"method": "WebcastChatMessage", "common": {"msgId": "1", "createTime": "soon"}}, 42, {}])  # type: ignore[list-item]
    assert result.events == [] and len(result.skipped) == 3


def test_cli_adapt_writes_events_and_reports_skips() -> None:
    from typer.testing import CliRunner

    from livecrew import cli

    result = CliRunner().invoke(cli.app, ["adapt", "douyin", str(SAMPLE), "--session", "s-0612"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 10 and all(e["session"] == "s-0612" for e in lines)
    assert "message 9: skipped" in result.output
    wrong = CliRunner().invoke(cli.app, ["adapt", "kuaishou", str(SAMPLE)])
    assert wrong.exit_code != 0 and "douyin" in wrong.output
