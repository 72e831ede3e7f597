"""Live-room API: ingest, metrics, the event log export, Server-Sent Events and control-room actions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from livecrew.core.api import sse_stream
from livecrew.core.auth.deps import Principal, StreamGuard, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock, to_ms
from livecrew.core.deps import UnitOfWorkRoute, app_context, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.core.logging import get_logger
from livecrew.core.params import DbId
from livecrew.core.pubsub import show_channel
from livecrew.live import actions, ingest
from livecrew.live import log as event_log
from livecrew.live.events import Event
from livecrew.live.state import LiveRegistry, after_ingest, live_registry
from livecrew.shows import public as shows

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["live"])
log = get_logger(__name__)


class ExportFailed(RuntimeError):
    """A log row could not be written out: the export stops broken rather than cut short."""


Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Registry = Annotated[LiveRegistry, Depends(live_registry)]

ACCEPTED_TYPES = (
    "application/x-ndjson",
    "application/jsonl",
    "application/json",
    "application/x-jsonlines",
    "text/plain",
)


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class IngestOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]


@router.post(
    "/shows/{show_id}/events",
    response_model=IngestOut,
    summary="Feed live events: JSON Lines or a JSON array (EVENTS.md); `session` is taken from the URL",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
            "required": True,
        }
    },
)
async def post_events(
    show_id: str,
    request: Request,
    db: Db,
    clock: Clk,
    registry: Registry,
    principal: Annotated[Principal, Depends(require(Action.live_ingest))],
) -> IngestOut:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            f'Content-Type "{content_type or "(none)"}" is not accepted; send application/x-ndjson (JSON Lines) '
            "or application/json (a JSON array)"
        )
    settings, hub = app_context(request).settings, app_context(request).hub
    data = await request.body()
    import anyio.to_thread

    def work() -> ingest.IngestResult:
        # Decoding takes no lock: this request decodes while another one's rows are written (SQLite's
        # insert and fsync run without the GIL). The show is read under the lock, as of the write.
        try:
            parsed = ingest.parse_request(
                data, session=show_id, content_type=content_type, max_bytes=settings.max_body_bytes
            )
        except ValidationFailed:
            shows.get_show(db, principal.workspace, show_id, bare=True)  # an unknown show is a 404 first
            raise

        def write() -> ingest.IngestResult:
            show = shows.get_show(db, principal.workspace, show_id, bare=True)
            result = ingest.append_parsed(db, clock, show, parsed)
            db.commit()  # one of two explicit commits (see core.deps): durable before acknowledged, under the lock
            return result

        return ingest.write_then_apply(db, show_id, write, lambda result: after_ingest(hub, registry, show_id, result))

    result = await anyio.to_thread.run_sync(work)
    return IngestOut(**result.to_dict())


@router.get("/shows/{show_id}/metrics", summary="The show's metrics (METRICS.md), live while the show runs")
def get_metrics(
    show_id: str, db: Db, registry: Registry, principal: Annotated[Principal, Depends(require(Action.live_view))]
) -> dict[str, Any]:
    shows.get_show(db, principal.workspace, show_id, bare=True)  # only that it is theirs
    db.close()
    return registry.get(show_id).snapshot()


@router.get("/shows/{show_id}/events", summary="The show's event log as JSON Lines")
def export_events(
    show_id: str, request: Request, db: Db, principal: Annotated[Principal, Depends(require(Action.live_view))]
) -> StreamingResponse:
    show = shows.get_show(db, principal.workspace, show_id, bare=True)
    db.close()
    factory = app_context(request).sessions

    def lines() -> Iterator[bytes]:
        # Pages of the log in its order, each row as it came with the show as its session. A row that
        # cannot be written out ends the response broken (no clean end of the chunked body), so a client
        # never takes a cut-off log for the whole one; the server logs which row it was.
        decode, encode = msgspec.json.Decoder().decode, msgspec.json.encode
        with factory() as session:
            chunk: list[bytes] = []
            for pos, text in event_log.iter_rows(session, show_id):
                try:
                    body = decode(text)
                    body["session"] = show_id  # the log keeps lines as they came; the show is their session
                    chunk.append(encode(body))
                except (msgspec.DecodeError, RecursionError, TypeError) as exc:
                    log.error("live.export_failed", show=show_id, pos=pos, error=str(exc)[:200])
                    raise ExportFailed(f"row {pos} of the log of show {show_id} cannot be exported") from exc
                if len(chunk) >= 1000:
                    yield b"\n".join(chunk) + b"\n"
                    chunk = []
            if chunk:
                yield b"\n".join(chunk) + b"\n"

    filename = f"livecrew-{show.id}.jsonl"
    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _stream_access(show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.live_view))]) -> str:
    """Check the show in the same worker thread as the sign-in check, then give the connection back:
    a stream stays open for hours and must not hold a database connection (nor wait for a thread
    while holding one)."""
    shows.get_show(db, principal.workspace, show_id, bare=True)
    db.close()
    return show_id


@router.get("/shows/{show_id}/stream", summary="Server-Sent Events: metric snapshots, alerts, cue cards")
async def stream(
    request: Request,
    registry: Registry,
    show_id: Annotated[str, Depends(_stream_access)],
    principal: Annotated[Principal, Depends(require(Action.live_view))],
) -> StreamingResponse:
    import anyio.to_thread

    live = await anyio.to_thread.run_sync(registry.get, show_id)
    first = {"kind": "metrics", "show": show_id, "metrics": await anyio.to_thread.run_sync(live.snapshot)}
    hub = app_context(request).hub
    return StreamingResponse(
        sse_stream(
            request,
            hub,
            show_channel(show_id),
            [first],
            guard=StreamGuard.for_request(request, principal, Action.live_view),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="explain, shelf, coupon, lucky_bag or announce")
    product: str | None = Field(default=None, max_length=200)
    action: str | None = Field(default=None, description="explain: start/stop; shelf: on/off; lucky_bag: start/draw")
    perk_id: DbId | None = None
    text: str | None = Field(default=None, max_length=1000)


@router.post("/shows/{show_id}/actions", status_code=201, summary="A control-room action, recorded with who did it")
def post_action(
    show_id: str,
    body: ActionIn,
    db: Db,
    clock: Clk,
    registry: Registry,
    principal: Annotated[Principal, Depends(require(Action.live_control))],
) -> dict[str, Any]:
    data = body.model_dump()
    # A lucky-bag draw reads who may win from the show's log first, without the lock (below); the show's
    # five columns are enough for that (one query, whatever the action).
    entrants = actions.draw_entrants(db, shows.get_show(db, principal.workspace, show_id, bare=True), data)

    def write() -> tuple[dict[str, Any], list[Event]]:
        # Like ingest, under the show's lane's writer lock: one writer at a time (SQLite's busy handler would
        # make the action sleep behind a feed's batch), and the live state gets the event in commit order.
        show = shows.get_show(db, principal.workspace, show_id, bare=True)  # an action reads its id and status
        done = actions.perform(db, clock, show, data, actor=principal.user, entrants=entrants)
        db.commit()  # one of two explicit commits (see core.deps): under the lock, so live state is in commit order
        return done

    record, _events = ingest.write_then_apply(db, show_id, write, lambda done: registry.apply(show_id, done[1]))
    return record


# ------------------------------------------------------------------ alerts


@router.get("/shows/{show_id}/alerts", summary="The show's alerts, newest first")
def get_alerts(
    show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.live_view))]
) -> list[dict[str, Any]]:
    from livecrew.live import alerts

    show = shows.get_show(db, principal.workspace, show_id, bare=True)
    return [alerts.alert_dict(a) for a in alerts.list_alerts(db, show)]


@router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert (the time to acknowledge is recorded)")
def ack_alert(
    alert_id: DbId, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require(Action.live_view))]
) -> dict[str, Any]:
    from livecrew.live import alerts

    alert = alerts.acknowledge(db, clock, principal.workspace, alert_id, principal.user)
    return alerts.alert_dict(alert)


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    params: dict[str, int] | None = None
    roles: list[str] | None = None


@router.get("/alert-rules", summary="The alert rules with this workspace's thresholds and roles")
def get_rules(db: Db, principal: Annotated[Principal, Depends(require(Action.live_view))]) -> list[dict[str, Any]]:
    from livecrew.live import alerts

    settings = alerts.rule_settings(db, principal.workspace.id)
    return [
        {
            "rule": r.key,
            "severity": r.severity,
            "enabled": settings[r.key][0],
            "params": settings[r.key][1],
            "roles": list(settings[r.key][2]),
        }
        for r in alerts.RULES
    ]


@router.patch("/alert-rules/{rule}", summary="Change a rule's thresholds, roles or switch it off")
def patch_rule(
    rule: str, body: RulePatch, db: Db, principal: Annotated[Principal, Depends(require(Action.alerts_edit))]
) -> dict[str, Any]:
    from livecrew.live import alerts

    alerts.update_rule(db, principal.workspace, rule, enabled=body.enabled, params=body.params, roles=body.roles)
    enabled, params, roles = alerts.rule_settings(db, principal.workspace.id)[rule]
    return {"rule": rule, "enabled": enabled, "params": params, "roles": list(roles)}


@router.get("/shows/{show_id}/cues", summary="The open question cue cards, most asked first")
def get_cues(
    show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.live_view))]
) -> list[dict[str, Any]]:
    from livecrew.text.public import cards

    shows.get_show(db, principal.workspace, show_id, bare=True)
    return cards(show_id, 20)


@router.post("/shows/{show_id}/cues/{card_id}/answer", summary="Mark a cue card answered (a new wave reopens it)")
def answer_cue(
    show_id: str,
    card_id: str,
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.live_control))],
) -> dict[str, Any]:
    from livecrew.core.errors import NotFound
    from livecrew.text.public import answer, cards

    shows.get_show(db, principal.workspace, show_id, bare=True)
    try:
        card = answer(show_id, card_id, to_ms(clock.now()))
    except KeyError:
        raise NotFound(f'no cue card "{card_id}" in this show', key="err.no_cue_card", params={"id": card_id}) from None
    app_context(request).hub.publish(show_channel(show_id), {"kind": "cues", "items": cards(show_id)})
    return card
