"""Console pages for the team (人): who holds which role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, Role
from livecrew.core.deps import get_db
from livecrew.web.i18n import Translator
from livecrew.web.render import language_for, render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]


def _t(request: Request) -> Translator:
    return Translator(language_for(request, getattr(request.state, "principal", None)))


def _role_rows(t: Translator) -> list[dict[str, str]]:
    return [{"key": r.value, "name": t.pick(ROLE_NAMES[r])} for r in Role]


@router.get("/team", response_class=HTMLResponse)
def team(request: Request, db: Db, principal: Annotated[Principal, Depends(require_web(Action.team_view))]) -> Response:
    t = _t(request)
    people = service.list_users(db, principal.workspace)
    roles = _role_rows(t)
    counts = {r["key"]: sum(1 for p in people if p.active and r["key"] in p.role_keys) for r in roles}
    return render(
        request,
        "team/index.html",
        {
            "people": people,
            "roles": roles,
            "counts": counts,
            "can_manage": principal.can(Action.people_manage),
        },
        active_nav="team",
    )
