"""What the goods feature offers other features for reading: a show's lineup and the replacement rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def lineup_of_show(db: Session, show_id: str) -> list[dict[str, Any]]:
    """The show's lineup in order: code, SKU, platform reference, title, tier, live price, the product's
    stock left now, the quantity confirmed in this show and the quota."""
    from livecrew.goods.service import lineup

    return [
        {
            "code": item.code,
            "sku": product.sku,
            "platform_ref": product.platform_ref,
            "title": product.title,
            "tier": product.tier,
            "live_price": item.live_price,
            "stock_left": product.stock,
            "confirmed": item.confirmed,
            "quota": item.quota,
        }
        for item, product in lineup(db, show_id)
    ]


def replacement_rule(db: Session, workspace_id: str) -> dict[str, int]:
    """The workspace's replacement (汰換) thresholds in basis points: a product is flagged when its return rate
    is above ``return_rate_flag_bp`` or the share of its viewers who bought is below ``conversion_flag_bp``."""
    from livecrew.goods.models import GoodsSettings

    cfg = db.get(GoodsSettings, workspace_id)  # read only: a workspace that never saved its settings has the defaults
    if cfg is None:
        columns = GoodsSettings.__table__.c
        return {
            "return_rate_flag_bp": int(columns.return_rate_flag_bp.default.arg),
            "conversion_flag_bp": int(columns.conversion_flag_bp.default.arg),
        }
    return {"return_rate_flag_bp": cfg.return_rate_flag_bp, "conversion_flag_bp": cfg.conversion_flag_bp}
