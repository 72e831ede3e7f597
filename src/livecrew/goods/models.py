"""Tables for the goods (貨): suppliers, the product pool, qualification documents, sample tests,
lineups, claims (喊單 / +1), platform order lines and the stock ledger.

Money is in integer minor units (分 / cents); commission in basis points (1 % = 100).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class Tier(StrEnum):
    traffic = "traffic"  # 引流款
    profit = "profit"  # 利潤款
    image = "image"  # 形象款


class ProductStatus(StrEnum):
    candidate = "candidate"
    approved = "approved"
    retired = "retired"


class DocKind(StrEnum):
    licence = "licence"  # 營業執照
    inspection = "inspection"  # 質檢報告
    authorisation = "authorisation"  # 品牌授權
    other = "other"


class ClaimStatus(StrEnum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Supplier(Base):
    __tablename__ = "goods_suppliers"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    price_advantage: Mapped[str] = mapped_column(Text, default="")
    payment_terms: Mapped[str] = mapped_column(String(200), default="")
    returns_7day: Mapped[bool] = mapped_column(Boolean, default=True)  # 七天無理由退貨
    reissue_on_damage: Mapped[bool] = mapped_column(Boolean, default=True)  # 破損補發
    guarantees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Product(Base):
    __tablename__ = "goods_products"
    __table_args__ = (UniqueConstraint("workspace_id", "sku"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(8), default=Tier.profit.value)
    category: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(12), default=ProductStatus.candidate.value)
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("goods_suppliers.id", ondelete="SET NULL"))
    list_price: Mapped[int] = mapped_column(BigInteger, default=0)
    live_price: Mapped[int] = mapped_column(BigInteger, default=0)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    # Stock on hand: the one counter claims and paid orders take from, by conditional update only.
    stock: Mapped[int] = mapped_column(Integer, default=0)
    low_stock_at: Mapped[int] = mapped_column(Integer, default=20)
    selling_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    objections: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{"q": ..., "a": ...}]
    image_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    platform_ref: Mapped[str] = mapped_column(String(120), default="")  # the platform's product id, if not the SKU
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredFile(Base):
    """An uploaded file (document scans, photos), kept in the database so backups hold everything."""

    __tablename__ = "goods_files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Document(Base):
    """A qualification document of a product (licence, inspection report, brand authorisation ...)."""

    __tablename__ = "goods_documents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("goods_products.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(120), default="")
    issuer: Mapped[str] = mapped_column(String(160), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    file_id: Mapped[str | None] = mapped_column(ForeignKey("goods_files.id", ondelete="SET NULL"))
    added_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SampleTest(Base):
    """A trial or spot check (試用 / 抽檢) of a product."""

    __tablename__ = "goods_sample_tests"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("goods_products.id", ondelete="CASCADE"), index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    tester: Mapped[str] = mapped_column(String(120), default="")
    result: Mapped[str] = mapped_column(String(4))  # pass / fail
    notes: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LineupItem(Base):
    """One product in a show's lineup (貨盤): order, claim code, live price, quota, segment."""

    __tablename__ = "goods_lineup_items"
    __table_args__ = (UniqueConstraint("show_id", "product_id"), UniqueConstraint("show_id", "code"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("goods_products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(8))
    live_price: Mapped[int] = mapped_column(BigInteger)
    quota: Mapped[int | None] = mapped_column(Integer)  # None: as much as the stock allows
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("show_segments.id", ondelete="SET NULL"))
    # Confirmed quantity in this show: moved only by conditional updates, with the product's stock.
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    announced_low: Mapped[bool] = mapped_column(Boolean, default=False)


class Claim(Base):
    """A buyer's claim (喊單 / +1) on lineup stock, from a comment, the API or the console."""

    __tablename__ = "goods_claims"
    __table_args__ = (
        UniqueConstraint("show_id", "event_id"),
        Index("ix_goods_claims_item_status", "item_id", "status", "ts", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("goods_lineup_items.id", ondelete="CASCADE"))
    buyer: Mapped[str] = mapped_column(String(200))
    qty: Mapped[int] = mapped_column(Integer)
    variant: Mapped[str] = mapped_column(String(60), default="")  # 黑M, 紅L ...
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(10))  # comment / api / console
    text: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[int] = mapped_column(BigInteger)  # event time (ms); first come, first served
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrderLine(Base):
    """A platform order seen in the event log, and what it did to the stock."""

    __tablename__ = "goods_order_lines"
    __table_args__ = (UniqueConstraint("show_id", "order_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    order_ref: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("goods_products.id", ondelete="SET NULL"))
    buyer: Mapped[str] = mapped_column(String(200), default="")
    qty: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    stock_taken: Mapped[int] = mapped_column(Integer, default=0)
    oversold: Mapped[int] = mapped_column(Integer, default=0)  # units paid that the stock could not cover
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)


class StockMove(Base):
    """The stock ledger: every change to a product's stock other than claims (restock, paid orders, returns)."""

    __tablename__ = "goods_stock_moves"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("goods_products.id", ondelete="CASCADE"), index=True)
    show_id: Mapped[str | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))  # restock / adjust / paid / returned / import
    qty: Mapped[int] = mapped_column(Integer)  # signed
    ref: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class GoodsSettings(Base):
    __tablename__ = "goods_settings"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    min_margin_bp: Mapped[int] = mapped_column(Integer, default=1500)
    required_docs: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["licence", "inspection"])
    return_rate_flag_bp: Mapped[int] = mapped_column(Integer, default=1500)  # 15 %
    conversion_flag_bp: Mapped[int] = mapped_column(Integer, default=100)  # 1 % of viewers who saw it
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
