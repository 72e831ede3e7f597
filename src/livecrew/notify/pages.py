"""Console pages of the pushes, under Settings: targets with their state, create and edit with routes, each
target's delivery log with retry buttons, and "send a test message"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError
from livecrew.notify import service
from livecrew.notify.jobs import relay_of
from livecrew.notify.models import NotifyDelivery, NotifyTarget
from livecrew.notify.platforms import PLATFORMS, mask_url
from livecrew.web.i18n import Translator
from livecrew.web.render import language_for, render, translate_error

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False, route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Manager = Annotated[Principal, Depends(require_web(Action.notify_manage))]
KINDS = list(PLATFORMS)


def _t(request: Request) -> Translator:
    return Translator(language_for(request, getattr(request.state, "principal", None)))


def _split(value: str) -> list[str]:
    for sep in ("，", "、", ";", "；", "\n"):
        value = value.replace(sep, ",")
    return [v.strip().lstrip("#＃") for v in value.split(",") if v.strip()]


def _form_of(target: NotifyTarget | None) -> dict[str, object]:
    if target is None:
        return {"kind": "dingtalk", "name": "", "url": "", "chat_id": "", "channels": ["emergency"], "tags": "",
                "severities": [], "enabled": True}  # fmt: skip
    return {
        "kind": target.kind, "name": target.name, "url": "", "chat_id": target.chat_id or "",
        "channels": list(target.channels or []), "tags": ", ".join(target.tags or []),
        "severities": list(target.severities or []), "enabled": target.enabled,
    }  # fmt: skip


def _list_page(
    request: Request, db: Session, principal: Principal, *, form: dict[str, object] | None = None,
    error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    ws = principal.workspace
    return render(
        request,
        "notify/targets.html",
        {
            "tab": "notify",
            "targets": service.list_targets(db, ws),
            "counts": service.waiting_counts(db, ws),
            "mask_url": mask_url,
            "kinds": KINDS,
            "channel_kinds": service.CHANNEL_KINDS,
            "severities": service.SEVERITIES,
            "form": form or _form_of(None),
            "error": error,
        },
        status_code=status_code,
        active_nav="settings",
    )


def _target_page(
    request: Request, db: Session, principal: Principal, target: NotifyTarget, *,
    form: dict[str, object] | None = None, error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "notify/target.html",
        {
            "tab": "notify",
            "target": target,
            "masked_url": mask_url(target.url),
            "deliveries": service.list_deliveries(db, target, limit=100),
            "counts": service.waiting_counts(db, principal.workspace).get(target.id, {}),
            "channel_kinds": service.CHANNEL_KINDS,
            "severities": service.SEVERITIES,
            "form": form or _form_of(target),
            "needs_chat": PLATFORMS[target.kind].needs_chat,
            "error": error,
        },
        status_code=status_code,
        active_nav="settings",
    )


@router.get("/settings/notify", response_class=HTMLResponse)
def targets_page(request: Request, db: Db, principal: Manager) -> Response:
    return _list_page(request, db, principal)


@router.post("/settings/notify", response_class=HTMLResponse)
def create_target(
    request: Request, db: Db, clock: Clk, principal: Manager,
    kind: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "", chat_id: Annotated[str, Form()] = "",
    channels: Annotated[list[str] | None, Form()] = None, tags: Annotated[str, Form()] = "",
    severities: Annotated[list[str] | None, Form()] = None,
) -> Response:  # fmt: skip
    form: dict[str, object] = {
        "kind": kind, "name": name, "url": url, "chat_id": chat_id, "channels": channels or [], "tags": tags,
        "severities": severities or [], "enabled": True,
    }  # fmt: skip
    try:
        target = service.create_target(
            db, clock, principal.workspace,
            service.TargetInput(kind=kind, url=url, secret=secret, channels=channels or [], tags=_split(tags),
                                severities=severities or [], name=name, chat_id=chat_id),
        )  # fmt: skip
        db.flush()
    except DomainError as exc:
        db.rollback()
        return _list_page(request, db, principal, form=form, error=translate_error(_t(request), exc),
                          status_code=exc.status_code)  # fmt: skip
    return RedirectResponse(f"/settings/notify/{target.id}?ok=notify_created", status_code=303)


@router.get("/settings/notify/{target_id}", response_class=HTMLResponse)
def target_page(target_id: int, request: Request, db: Db, principal: Manager) -> Response:
    return _target_page(request, db, principal, service.get_target(db, principal.workspace, target_id))


@router.post("/settings/notify/{target_id}", response_class=HTMLResponse)
def save_target(
    target_id: int, request: Request, db: Db, clock: Clk, principal: Manager,
    name: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = "",
    chat_id: Annotated[str, Form()] = "", channels: Annotated[list[str] | None, Form()] = None,
    tags: Annotated[str, Form()] = "", severities: Annotated[list[str] | None, Form()] = None,
    enabled: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    target = service.get_target(db, principal.workspace, target_id)
    form: dict[str, object] = {
        "kind": target.kind, "name": name, "url": url, "chat_id": chat_id, "channels": channels or [],
        "tags": tags, "severities": severities or [], "enabled": bool(enabled),
    }  # fmt: skip
    try:
        service.update_target(
            db, clock, target,
            service.TargetInput(kind=target.kind, url=url.strip() or target.url, secret=secret,
                                channels=channels or [], tags=_split(tags), severities=severities or [],
                                name=name, chat_id=chat_id, enabled=bool(enabled)),
            keep_secret=True,
        )  # fmt: skip
        db.flush()
    except DomainError as exc:
        db.rollback()
        target = service.get_target(db, principal.workspace, target_id)
        return _target_page(request, db, principal, target, form=form, error=translate_error(_t(request), exc),
                            status_code=exc.status_code)  # fmt: skip
    return RedirectResponse(f"/settings/notify/{target_id}?ok=notify_saved", status_code=303)


@router.post("/settings/notify/{target_id}/test", response_class=HTMLResponse)
def test_target(target_id: int, request: Request, db: Db, clock: Clk, principal: Manager) -> Response:
    target = service.get_target(db, principal.workspace, target_id)
    t = Translator(principal.workspace.default_language)
    delivery = service.add_test_message(db, clock, target, t("notify.push.test_text", name=principal.user.display_name))
    db.commit()  # one of the explicit commits: the relay reads the test message from its own session
    delivery_id = delivery.id
    relay_of(request.app).work_target(target_id)
    db.expire_all()
    fresh = db.get(NotifyDelivery, delivery_id)
    if fresh is not None and fresh.status == "sent":
        return RedirectResponse(f"/settings/notify/{target_id}?ok=notify_test_sent", status_code=303)
    target = service.get_target(db, principal.workspace, target_id)
    reason = (fresh.last_error if fresh is not None else None) or "—"
    error = _t(request)("notify.test_failed", reason=reason)
    return _target_page(request, db, principal, target, error=error, status_code=502)


@router.post("/settings/notify/{target_id}/delete", response_class=HTMLResponse)
def delete_target(target_id: int, db: Db, principal: Manager) -> Response:
    service.delete_target(db, service.get_target(db, principal.workspace, target_id))
    db.flush()
    return RedirectResponse("/settings/notify?ok=notify_deleted", status_code=303)


@router.post("/settings/notify/{target_id}/deliveries/{delivery_id}/retry", response_class=HTMLResponse)
def retry_delivery(
    target_id: int, delivery_id: int, request: Request, db: Db, clock: Clk, principal: Manager
) -> Response:
    target = service.get_target(db, principal.workspace, target_id)
    try:
        service.retry_delivery(db, clock, target, delivery_id)
        db.flush()
    except DomainError as exc:
        db.rollback()
        target = service.get_target(db, principal.workspace, target_id)
        return _target_page(request, db, principal, target, error=translate_error(_t(request), exc),
                            status_code=exc.status_code)  # fmt: skip
    return RedirectResponse(f"/settings/notify/{target_id}?ok=notify_retry", status_code=303)
