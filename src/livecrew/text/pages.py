"""Console pages: a show's script checked for compliance, each hit highlighted in place with the fix; the workspace
lexicon (/compliance/lexicon): its terms and allow-words, the forms to change it and its history with revert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.deps import UnitOfWorkRoute, get_db
from livecrew.core.errors import DomainError
from livecrew.shows import public as shows
from livecrew.text import lexicon
from livecrew.text.compliance import CATEGORIES, LANGUAGES, PROFILES, SEVERITIES, Hit
from livecrew.text.gate import script_lines
from livecrew.text.models import LexiconChange
from livecrew.web.render import form_failed, language_for, render

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)
Db = Annotated[Session, Depends(get_db)]
Viewer = Annotated[Principal, Depends(require_web(Action.workspace_view))]
Editor = Annotated[Principal, Depends(require_web(Action.compliance_edit))]
PER_PAGE = 50


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
    return render(
        request,
        "shows/compliance.html",
        {
            "show": show,
            "lines": lines,
            "clean": clean,
            "blocks": sum(1 for x in lines if x["block"]),
            "can_edit_lexicon": principal.can(Action.compliance_edit),
        },
        active_nav="shows",
    )


# ------------------------------------------------------------------ the workspace lexicon


def _lexicon_page(request: Request, db: Session, principal: Principal, query: dict[str, str], **extra: Any) -> Response:
    status = int(extra.pop("status_code", 200))
    lang = language_for(request, principal)
    filters = {k: query.get(k, "") for k in ("q", "category", "profile", "source", "kind")}
    try:
        number = max(1, int(query.get("page") or 1))
    except ValueError:
        number = 1
    page = lexicon.list_items(
        db,
        principal.workspace,
        q=filters["q"] or None,
        category=filters["category"] if filters["category"] in CATEGORIES else None,
        profile=filters["profile"] if filters["profile"] in PROFILES else None,
        source=filters["source"] if filters["source"] in lexicon.SOURCES else None,
        kind=filters["kind"] if filters["kind"] in lexicon.KINDS else None,
        page=number,
        per_page=PER_PAGE,
        lang=lang,
    )
    kept = {k: v for k, v in filters.items() if v}
    pages = max(1, -(-page.total // PER_PAGE))
    history = lexicon.history(db, principal.workspace, limit=50)
    return render(
        request,
        "text/lexicon.html",
        {
            "page": page,
            "pages": pages,
            "prev_url": f"?{urlencode({**kept, 'page': page.page - 1})}" if page.page > 1 else None,
            "next_url": f"?{urlencode({**kept, 'page': page.page + 1})}" if page.page < pages else None,
            "filters": filters,
            "history": history,
            "categories": CATEGORIES,
            "severities": SEVERITIES,
            "profiles": PROFILES,
            "languages": LANGUAGES,
            "sources": lexicon.SOURCES,
            "kinds": lexicon.KINDS,
            "max_term": lexicon.MAX_TERM,
            "max_reason": lexicon.MAX_REASON,
            "max_note": lexicon.MAX_NOTE,
            "can_edit": principal.can(Action.compliance_edit),
            "prefill_allow": query.get("allow", "")[: lexicon.MAX_TERM],
            "form": extra.pop("form", {}),
            "tab": "lexicon",
            **extra,
        },
        status_code=status,
        active_nav="settings",
    )


@router.get("/compliance/lexicon", response_class=HTMLResponse)
def lexicon_page(request: Request, db: Db, principal: Viewer) -> Response:
    return _lexicon_page(request, db, principal, dict(request.query_params))


def _change(
    request: Request,
    db: Session,
    principal: Principal,
    work: Callable[[], LexiconChange],
    ok: str,
    form: dict[str, str],
) -> Response:
    """Run one change: commit and go back to the page, or show the page with the error and the form kept."""
    try:
        work()
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _lexicon_page(
                request,
                db,
                principal,
                {},
                error=error,
                form=form,
                status_code=status,
            )

        return form_failed(request, db, exc, again)
    return RedirectResponse(f"/compliance/lexicon?ok={ok}", status_code=303)


@router.post("/compliance/lexicon/add", response_class=HTMLResponse)
async def lexicon_add(request: Request, db: Db, principal: Editor) -> Response:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    profiles = [str(v) for v in raw.getlist("profiles")]
    languages = [str(v) for v in raw.getlist("languages")]
    return _change(
        request,
        db,
        principal,
        lambda: lexicon.add_term(
            db,
            principal.workspace,
            term=form.get("term", ""),
            category=form.get("category", ""),
            severity=form.get("severity", "warn"),
            profiles=profiles,
            languages=languages,
            reason=form.get("reason", ""),
            note=form.get("note", ""),
            actor=principal.user,
        ),
        "lexicon_added",
        form | {"form": "add"},
    )


@router.post("/compliance/lexicon/remove", response_class=HTMLResponse)
def lexicon_remove(
    request: Request,
    db: Db,
    principal: Editor,
    term: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    return _change(
        request,
        db,
        principal,
        lambda: lexicon.remove_term(db, principal.workspace, term, note=note, actor=principal.user),
        "lexicon_removed",
        {"form": "remove", "term": term, "note": note},
    )


@router.post("/compliance/lexicon/allow", response_class=HTMLResponse)
def lexicon_allow(
    request: Request,
    db: Db,
    principal: Editor,
    term: Annotated[str, Form()] = "",
    applies_to: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    return _change(
        request,
        db,
        principal,
        lambda: lexicon.allow_word(
            db, principal.workspace, term, applies_to=applies_to or None, note=note, actor=principal.user
        ),
        "lexicon_allowed",
        {"form": "allow", "term": term, "applies_to": applies_to, "note": note},
    )


@router.post("/compliance/lexicon/unallow", response_class=HTMLResponse)
def lexicon_unallow(
    request: Request,
    db: Db,
    principal: Editor,
    term: Annotated[str, Form()] = "",
    applies_to: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    return _change(
        request,
        db,
        principal,
        lambda: lexicon.unallow_word(
            db, principal.workspace, term, applies_to=applies_to or None, note=note, actor=principal.user
        ),
        "lexicon_unallowed",
        {"form": "unallow", "term": term, "applies_to": applies_to, "note": note},
    )


@router.post("/compliance/lexicon/revert", response_class=HTMLResponse)
def lexicon_revert(
    request: Request,
    db: Db,
    principal: Editor,
    version: Annotated[int, Form(ge=0)],
    note: Annotated[str, Form()] = "",
) -> Response:
    return _change(
        request,
        db,
        principal,
        lambda: lexicon.revert(db, principal.workspace, version, note=note, actor=principal.user),
        "lexicon_reverted",
        {"form": "revert", "note": note},
    )
