"""Property-based (stateful) test of claim / cancel / restock sequences: stock is conserved, never negative,
the quota holds, and the waitlist is served first come, first served."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from livecrew.core.auth import service as auth
from livecrew.core.clock import FakeClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.goods import claims, service
from livecrew.goods.models import Claim, LineupItem, Product
from livecrew.models import metadata
from livecrew.shows import service as shows
from livecrew.shows.models import ShowStatus


class ClaimMachine(RuleBasedStateMachine):
    @initialize(units=st.integers(0, 12), quota=st.one_of(st.none(), st.integers(0, 15)))
    def setup(self, units: int, quota: int | None) -> None:
        self.engine = make_engine("sqlite://")
        metadata.create_all(self.engine)
        self.db = make_sessionmaker(self.engine)()
        self.clock = FakeClock()
        ws = auth.create_workspace(self.db, self.clock, "性質測試")
        self.show = shows.create_show(
            self.db, self.clock, ws, title="s", starts_at=self.clock.now() + timedelta(hours=1), minutes=60
        )
        product = service.save_product(self.db, self.clock, ws, {"sku": "P", "title": "p", "stock": units})
        for kind in ("licence", "inspection"):
            service.add_document(
                self.db, self.clock, product, kind=kind, expires_on=self.clock.now().date() + timedelta(days=9)
            )
        service.add_sample_test(self.db, self.clock, product, result="pass")
        self.item = service.add_to_lineup(self.db, self.clock, self.show, product, quota=quota)
        self.product = product
        self.show.status = ShowStatus.live.value
        self.db.commit()
        self.total = units  # stock on hand + confirmed units: changes only by restocks
        self.n = 0

    def teardown(self) -> None:
        if hasattr(self, "db"):
            self.db.close()
            self.engine.dispose()

    @rule(qty=st.integers(1, 4))
    def claim(self, qty: int) -> None:
        self.n += 1
        self.clock.advance(1)
        claims.claim(self.db, self.clock, self.show, buyer=f"b{self.n}", qty=qty, sku="P")
        self.db.commit()

    @rule(pick=st.integers(0, 1000))
    def cancel(self, pick: int) -> None:
        open_claims = self.db.scalars(select(Claim).where(Claim.status != "cancelled").order_by(Claim.id)).all()
        if open_claims:
            claims.cancel(self.db, self.clock, self.show, open_claims[pick % len(open_claims)])
            self.db.commit()

    @rule(qty=st.integers(1, 5))
    def restock(self, qty: int) -> None:
        claims.restock(self.db, self.clock, self.product, qty)
        self.db.commit()
        self.total += qty

    @invariant()
    def stock_is_conserved_and_quota_holds(self) -> None:
        if not hasattr(self, "db"):
            return
        product = self.db.scalar(select(Product).execution_options(populate_existing=True))
        item = self.db.scalar(select(LineupItem).execution_options(populate_existing=True))
        assert product is not None and item is not None
        rows = self.db.scalars(select(Claim).order_by(Claim.ts, Claim.id)).all()
        confirmed = sum(c.qty for c in rows if c.status == "confirmed")
        assert product.stock >= 0
        assert item.confirmed == confirmed
        assert product.stock + confirmed == self.total
        if item.quota is not None:
            assert confirmed <= item.quota
        waiting = [c for c in rows if c.status == "waitlisted"]
        if waiting:  # the first in line could not be served with what is left
            assert waiting[0].qty > claims.remaining(item, product)


TestClaims = ClaimMachine.TestCase
TestClaims.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)
