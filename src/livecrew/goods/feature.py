"""Goods' manifest: what the product pool, lineups and live stock plug into livecrew."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="goods",
    models=("livecrew.goods.models",),
    routers=("livecrew.goods.api:router", "livecrew.goods.pages:router"),
    cli=("livecrew.goods.cli:register",),
    on_demo_seed=("livecrew.goods.hooks:on_demo_seed",),
    live_listeners=("livecrew.goods.stock:on_events",),
    gate_checks=("livecrew.goods.gate:lineup_not_empty", "livecrew.goods.gate:lineup_ready"),
    sections=(Section("goods", "/goods", 20),),
    contributes={
        # The show's API view gets its lineup, the stock_low alert its stock, the simulator its products.
        "shows.lineup_provider": ("livecrew.goods.api:lineup_section",),
        "live.stock_source": ("livecrew.goods.api:stock_left",),
        "live.product_source": ("livecrew.goods.api:simulated_products",),
        # The control room's product box takes a SKU or a claim code of the lineup, nothing else.
        "live.product_resolver": ("livecrew.goods.api:resolve_lineup_product",),
    },
)
