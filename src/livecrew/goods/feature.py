"""Goods' manifest: what the product pool, lineups and live stock plug into livecrew."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="goods",
    models=("livecrew.goods.models",),
    live_messages=("livecrew.goods.messages:MESSAGES",),
    routers=("livecrew.goods.api:router", "livecrew.goods.pages:router"),
    cli=("livecrew.goods.cli:register",),
    on_workspace_created=("livecrew.goods.hooks:on_workspace_created",),
    on_demo_seed=("livecrew.goods.hooks:on_demo_seed",),
    live_listeners=("livecrew.goods.listener:on_events",),
    gate_checks=("livecrew.goods.gate:lineup_not_empty", "livecrew.goods.gate:lineup_ready"),
    sections=(Section("goods", "/goods", 20),),
    contributes={
        "web.home_card": ("livecrew.goods.home:selection_card",),
        # The show's API view gets its lineup, the stock_low alert its stock, the simulator its products.
        "shows.lineup_provider": ("livecrew.goods.api:lineup_section",),
        "live.stock_source": ("livecrew.goods.api:stock_left",),
        "live.product_source": ("livecrew.goods.api:simulated_products",),
        # The compliance gate scans the lineup's titles, selling points and prepared answers too.
        "text.script_lines": ("livecrew.goods.gate:script_lines",),
        # The control room's product box takes a SKU or a claim code of the lineup, nothing else.
        "live.product_resolver": ("livecrew.goods.api:resolve_lineup_product",),
        # The demo's flash sale is on the lineup's first product.
        "demo.flash_sale": ("livecrew.goods.hooks:demo_flash_sale",),
    },
)
