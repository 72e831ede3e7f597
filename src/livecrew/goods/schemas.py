"""API shapes for the goods."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from livecrew.core.params import DbId
from livecrew.goods.models import Document, LineupItem, Product, SampleTest, Supplier


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupplierIn(_In):
    name: str | None = Field(None, max_length=160)
    contact_name: str | None = Field(None, max_length=120)
    phone: str | None = Field(None, max_length=60)
    email: str | None = Field(None, max_length=200)
    price_advantage: str | None = Field(None, max_length=2000)
    payment_terms: str | None = Field(None, max_length=200)
    returns_7day: bool | None = None
    reissue_on_damage: bool | None = None
    guarantees: str | None = Field(None, max_length=2000)
    notes: str | None = Field(None, max_length=4000)


class SupplierOut(BaseModel):
    id: str
    name: str
    contact_name: str
    phone: str
    email: str
    price_advantage: str
    payment_terms: str
    returns_7day: bool
    reissue_on_damage: bool
    guarantees: str
    notes: str

    @classmethod
    def of(cls, s: Supplier) -> SupplierOut:
        return cls.model_validate(s, from_attributes=True)


class Objection(_In):
    q: str = Field(max_length=300)
    a: str = Field(max_length=1000)


class ProductIn(_In):
    sku: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=200)
    tier: str | None = Field(None, description="traffic (引流款), profit (利潤款) or image (形象款)")
    status: str | None = Field(None, description="candidate, approved or retired")
    category: str | None = Field(None, max_length=80)
    supplier_id: str | None = None
    list_price: int | None = Field(None, description="minor units (cents / 分)")
    live_price: int | None = None
    cost: int | None = None
    commission_bp: int | None = Field(None, description="basis points: 20 % = 2000")
    stock: int | None = None
    low_stock_at: int | None = None
    selling_points: list[str] | None = None
    objections: list[Objection] | None = None
    platform_ref: str | None = Field(None, max_length=120)


class ProductOut(BaseModel):
    id: str
    sku: str
    title: str
    tier: str
    status: str
    category: str
    supplier_id: str | None
    list_price: int
    live_price: int
    cost: int
    commission_bp: int
    stock: int
    low_stock_at: int
    selling_points: list[str]
    objections: list[dict[str, str]]
    image_ids: list[str]
    platform_ref: str
    ready: bool | None = None
    not_ready_because: list[str] | None = None

    @classmethod
    def of(cls, p: Product, readiness: Any | None = None) -> ProductOut:
        out = cls.model_validate(p, from_attributes=True)
        if readiness is not None:
            out.ready = readiness.ready
            out.not_ready_because = readiness.messages()
        return out


class RestockIn(_In):
    qty: int = Field(description="units to add; negative writes stock off")
    note: str = Field("", max_length=500)


class DocumentOut(BaseModel):
    id: int
    kind: str
    number: str
    issuer: str
    expires_on: date | None
    file_id: str | None

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        return cls.model_validate(d, from_attributes=True)


class SampleTestOut(BaseModel):
    id: int
    tested_on: date
    tester: str
    result: str
    notes: str
    photo_ids: list[str]

    @classmethod
    def of(cls, t: SampleTest) -> SampleTestOut:
        return cls.model_validate(t, from_attributes=True)


class LineupIn(_In):
    sku: str = Field(max_length=64)
    quota: int | None = None
    code: str | None = Field(None, max_length=8)
    live_price: int | None = None
    segment_id: DbId | None = None


class LineupPatch(_In):
    quota: int | None = None
    code: str | None = Field(None, max_length=8)
    live_price: int | None = None
    segment_id: DbId | None = None


class LineupOrder(_In):
    items: list[int]


class LineupItemOut(BaseModel):
    id: int
    position: int
    code: str
    sku: str
    title: str
    tier: str
    live_price: int
    list_price: int
    quota: int | None
    segment_id: int | None
    confirmed: int
    stock: int

    @classmethod
    def of(cls, item: LineupItem, product: Product) -> LineupItemOut:
        return cls(
            id=item.id,
            position=item.position,
            code=item.code,
            sku=product.sku,
            title=product.title,
            tier=product.tier,
            live_price=item.live_price,
            list_price=product.list_price,
            quota=item.quota,
            segment_id=item.segment_id,
            confirmed=item.confirmed,
            stock=product.stock,
        )


class ClaimIn(_In):
    user: str = Field(min_length=1, max_length=200, description="the buyer (platform user id or name)")
    sku: str | None = Field(None, max_length=64)
    code: str | None = Field(None, max_length=8, description="the claim code (A1) instead of the SKU")
    qty: int = 1
    variant: str = Field("", max_length=60)


class ReturnIn(_In):
    qty: int = 1


class SettingsIn(_In):
    min_margin_bp: int | None = None
    required_docs: list[str] | None = None
    return_rate_flag_bp: int | None = None
    conversion_flag_bp: int | None = None
