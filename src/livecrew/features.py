"""Every feature of livecrew, in one list: the app, the CLI, Alembic and the tests read it.

A feature's ``feature.py`` declares what it plugs in (``livecrew.core.plugins.Feature``). Adding a
feature is one line here. The order is the order of routers, listeners and hooks.
"""

from __future__ import annotations

from livecrew.board.feature import FEATURE as BOARD
from livecrew.comms.feature import FEATURE as COMMS
from livecrew.core.plugins import Feature
from livecrew.goods.feature import FEATURE as GOODS
from livecrew.incidents.feature import FEATURE as INCIDENTS
from livecrew.live.feature import FEATURE as LIVE
from livecrew.notify.feature import FEATURE as NOTIFY
from livecrew.review.feature import FEATURE as REVIEW
from livecrew.service.feature import FEATURE as SERVICE
from livecrew.shows.feature import FEATURE as SHOWS
from livecrew.sources.feature import FEATURE as SOURCES
from livecrew.team.feature import FEATURE as TEAM
from livecrew.text.feature import FEATURE as TEXT

FEATURES: tuple[Feature, ...] = (
    BOARD,
    COMMS,
    GOODS,
    INCIDENTS,
    LIVE,
    NOTIFY,
    REVIEW,
    SERVICE,
    SHOWS,
    SOURCES,
    TEAM,
    TEXT,
)
