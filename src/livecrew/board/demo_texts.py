"""The demo's open tasks, in three languages: (owner's demo login, due in days from today, title)."""

from __future__ import annotations

DEMO_TASKS: tuple[tuple[str, int, dict[str, str]], ...] = (
    (
        "ops",
        -1,
        {
            "zh-Hant": "補上週五場的流量復盤",
            "zh-Hans": "补上周五场的流量复盘",
            "en": "Write up last Friday's traffic review",
        },
    ),
    (
        "selection",
        0,
        {
            "zh-Hant": "跟供應商確認保溫杯補貨日期",
            "zh-Hans": "跟供应商确认保温杯补货日期",
            "en": "Confirm the tumbler restock date with the supplier",
        },
    ),
    (
        "control",
        1,
        {
            "zh-Hant": "更新福袋口令與上架順序表",
            "zh-Hans": "更新福袋口令与上架顺序表",
            "en": "Update the lucky-bag cue words and the shelf order sheet",
        },
    ),
    (
        "host",
        2,
        {
            "zh-Hant": "重寫面膜的講解卡（加上敏感肌說明）",
            "zh-Hans": "重写面膜的讲解卡（加上敏感肌说明）",
            "en": "Rewrite the face-mask pitch card (add the sensitive-skin answer)",
        },
    ),
)
