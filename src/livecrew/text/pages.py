"""Console page: a show's script checked for compliance, each hit highlighted in place with the fix."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.deps import get_db
from livecrew.shows import service as shows
from livecrew.text.compliance import Hit
from livecrew.text.gate import script_lines
from livecrew.web.render import language_for, render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]


def highlight(text: str, hits: list[Hit]) -> Markup:
    """The text with each hit wrapped in <mark>, escaped everywhere else. Overlapping hits: the first wins."""
    out, last = [], 0
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start < last:
            continue
        out.append(escape(text[last : hit.start]))
        css = "hit" if hit.severity == "block" else "hit hit-warn"
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(css, hit.reason, text[hit.start : hit.end]))
        last = hit.end
    out.append(escape(text[last:]))
    return Markup("").join(out)


@router.get("/shows/{show_id}/compliance", response_class=HTMLResponse)
def compliance_page(
    request: Request, show_id: str, db: Db, principal: Annotated[Principal, Depends(require_web(Action.shows_view))]
) -> Response:
    show = shows.get_show(db, principal.workspace, show_id)
    lang = language_for(request, principal)
    lines: list[dict[str, Any]] = []
    clean = 0
    for line in script_lines(db, show, lang):
        if not line.hits:
            clean += 1
            continue
        lines.append(
            {
                "where_key": line.where_key,
                "params": line.params,
                "html": highlight(line.text, line.hits),
                "hits": [h.to_dict() | {"found": line.text[h.start : h.end]} for h in line.hits],
                "block": any(h.severity == "block" for h in line.hits),
            }
        )
    db.commit()
    return render(
        request,
        "shows/compliance.html",
        {"show": show, "lines": lines, "clean": clean, "blocks": sum(1 for x in lines if x["block"])},
        active_nav="shows",
    )
