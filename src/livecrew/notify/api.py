"""API routes of the pushes: targets, their delivery log, retries and test messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.notify import service
from livecrew.notify.jobs import relay_of
from livecrew.notify.models import NotifyDelivery
from livecrew.notify.schemas import Created, DeliveryOut, TargetIn, TargetOut, TargetPatch, TestOut
from livecrew.web.i18n import Translator

router = APIRouter(prefix="/api/v1/notify", tags=["notify"], route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Manager = Annotated[Principal, Depends(require(Action.notify_manage))]


@router.get("/targets", response_model=list[TargetOut])
def list_targets(db: Db, principal: Manager) -> list[TargetOut]:
    counts = service.waiting_counts(db, principal.workspace)
    return [TargetOut.of(t, counts.get(t.id)) for t in service.list_targets(db, principal.workspace)]


@router.post("/targets", response_model=Created, status_code=201)
def create_target(body: TargetIn, db: Db, clock: Clk, principal: Manager) -> Created:
    """A push target: messages in channels of the listed kinds (and tags / severities, when given) go to it."""
    target = service.create_target(
        db, clock, principal.workspace,
        service.TargetInput(kind=body.kind, url=body.url, secret=body.secret, channels=body.channels,
                            tags=body.tags, severities=body.severities, name=body.name, chat_id=body.chat_id,
                            enabled=body.enabled),
    )  # fmt: skip
    db.flush()
    return Created(id=target.id)


@router.get("/targets/{target_id}", response_model=TargetOut)
def get_target(target_id: int, db: Db, principal: Manager) -> TargetOut:
    target = service.get_target(db, principal.workspace, target_id)
    return TargetOut.of(target, service.waiting_counts(db, principal.workspace).get(target.id))


@router.patch("/targets/{target_id}", response_model=TargetOut)
def update_target(target_id: int, body: TargetPatch, db: Db, clock: Clk, principal: Manager) -> TargetOut:
    """Change a target; a target marked broken is tried again with what it waits for."""
    target = service.get_target(db, principal.workspace, target_id)
    data = service.TargetInput(
        kind=target.kind,
        url=body.url if body.url is not None else target.url,
        secret=body.secret,
        channels=body.channels if body.channels is not None else target.channels,
        tags=body.tags if body.tags is not None else target.tags,
        severities=body.severities if body.severities is not None else target.severities,
        name=body.name if body.name is not None else target.name,
        chat_id=body.chat_id if body.chat_id is not None else target.chat_id,
        enabled=body.enabled if body.enabled is not None else target.enabled,
    )
    service.update_target(db, clock, target, data, keep_secret=True)
    db.flush()
    return TargetOut.of(target, service.waiting_counts(db, principal.workspace).get(target.id))


@router.delete("/targets/{target_id}", status_code=204)
def delete_target(target_id: int, db: Db, principal: Manager) -> Response:
    """Delete a target with its delivery log (messages not yet delivered to it are dropped with it)."""
    service.delete_target(db, service.get_target(db, principal.workspace, target_id))
    db.flush()
    return Response(status_code=204)


@router.get("/targets/{target_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(
    target_id: int,
    db: Db,
    principal: Manager,
    status: Annotated[str | None, Query(description="pending, sent, failed or dead")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryOut]:
    """The target's delivery log, newest first."""
    target = service.get_target(db, principal.workspace, target_id)
    return [DeliveryOut.of(d) for d in service.list_deliveries(db, target, status=status, limit=limit)]


@router.post("/targets/{target_id}/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
def retry(target_id: int, delivery_id: int, db: Db, clock: Clk, principal: Manager) -> DeliveryOut:
    target = service.get_target(db, principal.workspace, target_id)
    delivery = service.retry_delivery(db, clock, target, delivery_id)
    db.flush()
    return DeliveryOut.of(delivery)


@router.post("/targets/{target_id}/test", response_model=TestOut)
def send_test(target_id: int, request: Request, db: Db, clock: Clk, principal: Manager) -> TestOut:
    """Send a test message now (through the outbox) and answer with what the platform said."""
    target = service.get_target(db, principal.workspace, target_id)
    t = Translator(principal.workspace.default_language)
    delivery = service.add_test_message(db, clock, target, t("notify.push.test_text", name=principal.user.display_name))
    db.commit()  # one of the explicit commits: the relay reads the test message from its own session
    delivery_id = delivery.id
    relay_of(request.app).work_target(target_id)
    db.expire_all()
    fresh = db.get(NotifyDelivery, delivery_id)
    target = service.get_target(db, principal.workspace, target_id)
    assert fresh is not None
    out = TestOut(delivery=DeliveryOut.of(fresh), target_status=target.status, broken_reason=target.broken_reason)
    db.flush()
    return out
