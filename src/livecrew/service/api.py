"""Customer-service API: tickets (the contract's POST/GET /api/v1/tickets), replies, the live-room one click,
retargeting (the contract's GET /api/v1/shows/{id}/retarget), settings, templates, reports and the import."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.service import config, imports, macros, problems, reports, retarget, tickets
from livecrew.service.models import TicketSource
from livecrew.service.schemas import (
    AgentIn,
    EntryOut,
    LiveTicketIn,
    MacroIn,
    MessageIn,
    RatingIn,
    ReplyIn,
    SettingsIn,
    TicketDetail,
    TicketIn,
    TicketOut,
    TicketPatch,
    TransitionIn,
)

router = APIRouter(prefix="/api/v1", tags=["service"], route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.service_view))]
Editor = Annotated[Principal, Depends(require(Action.service_edit))]
Manager = Annotated[Principal, Depends(require(Action.service_manage))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, media_type: str = XLSX) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
    )


def _detail(db: Session, clock: Clock, t: Any) -> TicketDetail:
    base = TicketOut.of(t, clock.now()).model_dump()
    return TicketDetail(**base, history=[EntryOut.of(e) for e in tickets.entries(db, t)])


@router.post("/tickets", status_code=201, response_model=TicketOut)
def create_ticket(body: TicketIn, db: Db, clock: Clk, principal: Editor) -> TicketOut:
    t = tickets.open_ticket(
        db,
        clock,
        principal.workspace.id,
        tickets.NewTicket(
            kind=body.kind,
            customer=body.customer,
            text=body.text,
            nickname=body.nickname,
            priority=body.priority,
            show_id=body.show,
            product=body.product,
            order_ref=body.order,
            amount=body.amount,
            source=TicketSource.api.value if principal.via == "token" else TicketSource.manual.value,
            assignee_id=body.assignee_id,
        ),
        actor_id=principal.user.id,
    )
    out = TicketOut.of(t, clock.now())
    db.flush()
    return out


@router.get("/tickets", response_model=list[TicketOut])
def list_tickets(
    db: Db,
    clock: Clk,
    principal: Viewer,
    status: Annotated[list[str] | None, Query(description="new, open, pending, on_hold, solved, closed")] = None,
    kind: str | None = None,
    mine: bool = False,
    unassigned: bool = False,
    breaching: bool = False,
    product: str | None = None,
    show: str | None = None,
    customer: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TicketOut]:
    statuses = tuple(s for value in status or [] for s in value.split(",") if s)
    f = tickets.Filters(
        status=statuses,
        kind=kind,
        assignee_id=principal.user.id if mine else None,
        unassigned=unassigned,
        breaching=breaching,
        product=product,
        show_id=show,
        customer=customer,
    )
    rows = tickets.list_tickets(db, clock, principal.workspace.id, f, limit=limit)
    now = clock.now()
    out = [TicketOut.of(t, now) for t in rows]
    db.flush()
    return out


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket_id: int, db: Db, clock: Clk, principal: Viewer) -> TicketDetail:
    out = _detail(db, clock, tickets.get_ticket(db, principal.workspace.id, ticket_id))
    db.flush()
    return out


@router.post("/tickets/{ticket_id}/replies", status_code=201, response_model=EntryOut)
def post_reply(ticket_id: int, body: ReplyIn, db: Db, clock: Clk, principal: Editor) -> EntryOut:
    t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
    entry = tickets.reply(
        db,
        clock,
        t,
        body.text,
        actor_id=principal.user.id,
        internal=body.internal,
        confirm=body.confirm,
        template=body.template,
        then=body.then,
    )
    out = EntryOut.of(entry)
    db.flush()
    return out


@router.post("/tickets/{ticket_id}/messages", status_code=201, response_model=EntryOut)
def post_customer_message(ticket_id: int, body: MessageIn, db: Db, clock: Clk, principal: Editor) -> EntryOut:
    t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
    out = EntryOut.of(tickets.customer_message(db, clock, t, body.text))
    db.flush()
    return out


@router.post("/tickets/{ticket_id}/transitions", response_model=TicketOut)
def post_transition(ticket_id: int, body: TransitionIn, db: Db, clock: Clk, principal: Editor) -> TicketOut:
    t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
    tickets.transition(db, clock, t, body.to, actor_id=principal.user.id)
    out = TicketOut.of(t, clock.now())
    db.flush()
    return out


@router.patch("/tickets/{ticket_id}", response_model=TicketOut)
def patch_ticket(ticket_id: int, body: TicketPatch, db: Db, clock: Clk, principal: Editor) -> TicketOut:
    t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
    if body.assignee_id is not None or body.unassign:
        tickets.assign(db, clock, t, None if body.unassign else body.assignee_id, actor_id=principal.user.id)
    if body.priority is not None:
        if body.priority not in tickets.PRIORITIES:
            raise ValidationFailed(
                f'unknown priority "{body.priority}"; use one of: {", ".join(tickets.PRIORITIES)}',
                key="err.service_priority",
            )
        t.priority = body.priority
        t.updated_at = clock.now()
        db.flush()
    out = TicketOut.of(t, clock.now())
    db.flush()
    return out


@router.post("/tickets/{ticket_id}/rating", response_model=TicketOut)
def post_rating(ticket_id: int, body: RatingIn, db: Db, clock: Clk, principal: Editor) -> TicketOut:
    t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
    tickets.rate(db, clock, t, body.rating)
    out = TicketOut.of(t, clock.now())
    db.flush()
    return out


def open_from_live(db: Session, clock: Clock, principal: Principal, show_id: str, body: LiveTicketIn) -> Any:
    """The control room's one click: a ticket from a comment or a cue card, the explained product filled in."""
    from livecrew.live.public import explaining_now
    from livecrew.shows.public import show_info
    from livecrew.text.public import triage_comment

    if show_info(db, principal.workspace.id, show_id) is None:
        raise NotFound(f"no show {show_id} in this workspace", key="err.service_show")
    if body.source not in ("comment", "cue"):
        raise ValidationFailed('source is "comment" or "cue"', key="err.service_source")
    verdict = triage_comment(body.text or "")
    kind = body.kind or ("complaint" if verdict.label == "complaint" else "consult")
    product = body.product or explaining_now(db, show_id)
    return tickets.open_ticket(
        db,
        clock,
        principal.workspace.id,
        tickets.NewTicket(
            kind=kind,
            customer=body.user or "—",
            nickname=body.nickname,
            text=body.text,
            show_id=show_id,
            product=product,
            priority="high" if kind == "complaint" else "normal",
            source=body.source,
        ),
        actor_id=principal.user.id,
    )


@router.post("/shows/{show_id}/tickets", status_code=201, response_model=TicketOut)
def create_from_live(show_id: str, body: LiveTicketIn, db: Db, clock: Clk, principal: Editor) -> TicketOut:
    t = open_from_live(db, clock, principal, show_id, body)
    out = TicketOut.of(t, clock.now())
    db.flush()
    return out


# ---------------------------------------------------------------- retargeting


@router.get("/shows/{show_id}/retarget")
def show_retarget(
    show_id: str, db: Db, principal: Viewer, segment: str = "clicked_not_paid", detail: bool = False
) -> dict[str, Any]:
    """A retargeting segment of one show: ``{"segment", "users"}`` (sorted); ``detail`` adds what each wanted."""
    wants = retarget.for_show(db, principal.workspace.id, show_id, segment)
    db.flush()
    return _segment_body(segment, wants, detail)


def _period(since: date, until: date | None, timezone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    return datetime.combine(since, time(0), tz), datetime.combine((until or since) + timedelta(days=1), time(0), tz)


@router.get("/retarget")
def period_retarget(
    db: Db,
    principal: Viewer,
    since: date,
    until: date | None = None,
    segment: str = "clicked_not_paid",
    detail: bool = False,
) -> dict[str, Any]:
    """A segment over every show that started in the period (days in the workspace's zone, both included)."""
    start, end = _period(since, until, principal.workspace.timezone)
    wants = retarget.for_period(db, principal.workspace.id, start, end, segment)
    db.flush()
    return _segment_body(segment, wants, detail)


def _segment_body(segment: str, wants: list[retarget.Want], detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"segment": segment, "users": [w.user for w in wants]}
    if detail:
        body["wants"] = [w.to_dict() for w in wants]
    return body


class ExportIn(BaseModel):
    segment: str = "clicked_not_paid"
    format: str = Field(default="csv", pattern="^(csv|xlsx)$")
    lang: str = "zh-Hant"
    show: str | None = None
    since: date | None = None
    until: date | None = None


@router.post("/retarget/exports")
def export_retarget(body: ExportIn, db: Db, clock: Clk, principal: Viewer) -> Response:
    """A retargeting list as CSV or XLSX, of a show or of a period. Every export is logged (who, what, when)."""
    return export_list(db, clock, principal, body)


def export_list(db: Session, clock: Clock, principal: Principal, body: ExportIn) -> Response:
    if body.show:
        wants = retarget.for_show(db, principal.workspace.id, body.show, body.segment)
        params: dict[str, Any] = {"show": body.show}
    elif body.since:
        start, end = _period(body.since, body.until, principal.workspace.timezone)
        wants = retarget.for_period(db, principal.workspace.id, start, end, body.segment)
        params = {"since": body.since.isoformat(), "until": (body.until or body.since).isoformat()}
    else:
        raise ValidationFailed("say which show, or since which day", key="err.service_export")
    retarget.log_export(
        db, clock, principal.workspace.id, principal.user.id, f"retarget.{body.format}",
        {**params, "segment": body.segment}, len(wants),
    )  # fmt: skip
    name = f"retarget-{body.segment}-{'-'.join(str(v) for v in params.values())}.{body.format}"
    if body.format == "csv":
        data, media = retarget.to_csv(wants, body.lang), "text/csv; charset=utf-8"
    else:
        data, media = retarget.to_xlsx(wants, body.lang, body.segment), XLSX
    db.flush()
    return download(data, name, media)


# ---------------------------------------------------------------- settings, agents, templates


@router.get("/service/settings")
def get_settings(db: Db, principal: Viewer) -> dict[str, Any]:
    out = config.settings_for(db, principal.workspace.id).to_dict()
    db.flush()
    return out


@router.put("/service/settings")
def put_settings(body: SettingsIn, db: Db, clock: Clk, principal: Manager) -> dict[str, Any]:
    out = config.update_settings(db, clock, principal.workspace.id, body.model_dump(exclude_none=True)).to_dict()
    db.flush()
    return out


@router.get("/service/agents")
def get_agents(db: Db, principal: Viewer) -> list[dict[str, Any]]:
    out = [a.__dict__ for a in config.agents(db, principal.workspace.id)]
    db.flush()
    return out


@router.put("/service/agents/{user_id}")
def put_agent(user_id: str, body: AgentIn, db: Db, principal: Manager) -> list[dict[str, Any]]:
    config.set_agent(
        db,
        principal.workspace.id,
        user_id,
        shift_start=body.shift_start,
        shift_end=body.shift_end,
        on_duty=body.on_duty,
    )
    out = [a.__dict__ for a in config.agents(db, principal.workspace.id)]
    db.flush()
    return out


@router.get("/service/macros")
def get_macros(db: Db, principal: Viewer) -> list[dict[str, Any]]:
    out = [m.to_dict() for m in macros.macros(db, principal.workspace.id)]
    db.flush()
    return out


@router.put("/service/macros/{key}")
def put_macro(key: str, body: MacroIn, db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    m = macros.save_macro(
        db,
        clock,
        principal.workspace.id,
        key=key,
        topic=body.topic,
        titles=body.titles,
        bodies=body.bodies,
        actor_id=principal.user.id,
        confirm=body.confirm,
    )
    db.flush()
    return m.to_dict()


@router.get("/tickets/{ticket_id}/macros/{key}")
def render_macro(
    ticket_id: int, key: str, db: Db, principal: Viewer, lang: str = "zh-Hant", tracking: str = ""
) -> dict[str, Any]:
    """A template filled in for a ticket (customer, product, order; the tracking number when given), with the
    compliance findings of the result."""
    from livecrew.text.public import scan_reply

    t = tickets.get_ticket(db, principal.workspace.id, ticket_id)
    m = macros.get_macro(db, principal.workspace.id, key)
    text = macros.fill(
        m.body(lang),
        {"customer": t.nickname or t.customer, "product": t.product, "order": t.order_ref, "tracking": tracking},
    )
    out = {"key": key, "text": text, "unfilled": macros.unfilled(text), "hits": scan_reply(db, t.workspace_id, text)}
    db.flush()
    return out


# ---------------------------------------------------------------- reports, problems, import


@router.get("/service/reports/daily", response_model=None)
def daily_report(
    db: Db,
    clock: Clk,
    principal: Viewer,
    day: str | None = None,
    format: Annotated[str, Query(pattern="^(json|xlsx)$")] = "json",
    lang: str = "zh-Hant",
) -> Any:
    when = reports.parse_day(day) if day else reports.today(clock, principal.workspace.timezone)
    report = reports.daily(db, clock, principal.workspace.id, when)
    if format == "json":
        db.flush()
        return {**report.data, "summary": report.summary()}
    data = reports.to_xlsx(report, lang)  # aggregates only, no customer's data
    db.flush()
    return download(data, f"service-report-{report.day}.xlsx")


@router.get("/service/problems")
def get_problems(db: Db, principal: Viewer) -> list[dict[str, Any]]:
    out = [
        {
            "id": f.id,
            "product": f.product,
            "kind": f.kind,
            "count": f.count,
            "ticket_ids": f.ticket_ids,
            "flagged_at": f.flagged_at.isoformat(),
        }
        for f in problems.open_flags(db, principal.workspace.id)
    ]
    db.flush()
    return out


@router.post("/tickets/import")
async def import_tickets(
    db: Db,
    clock: Clk,
    principal: Editor,
    file: Annotated[UploadFile, File()],
    valid_only: Annotated[bool, Form()] = False,
) -> Response:
    import orjson

    data = await file.read()
    checked = imports.check(db, principal.workspace.id, imports.read_table(file.filename or "upload.csv", data))
    summary = checked.summary()
    if checked.errors and not valid_only:
        db.rollback()
        return Response(orjson.dumps({**summary, "imported": 0}), status_code=422, media_type="application/json")
    made = imports.apply(db, clock, principal.workspace.id, checked, actor_id=principal.user.id, valid_only=True)
    db.flush()
    return Response(orjson.dumps({**summary, "imported": len(made)}), media_type="application/json")
