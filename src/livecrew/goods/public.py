"""What goods offers other features: reads of the product pool and lineups, kept small.

Other features import these from here only, never from the modules behind them.
"""

from __future__ import annotations

import json

from livecrew.goods.hooks import DEMO_POOL


def demo_lineup_skus() -> list[str]:
    """The SKUs of the demo workspace's lineup, in order (the demo's morning focus takes the first few)."""
    lineup: list[str] = json.loads(DEMO_POOL.read_text(encoding="utf-8")).get("lineup", [])
    return lineup
