"""The review of one show: built from the event log by the live engine, with the team's actions and sign-off.

Reads other features only through their ``public`` modules. Takes a session and flushes; never commits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.board.public import TaskSource, add_task
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock, clock_of
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.core.plugins import contributions
from livecrew.goods import public as goods
from livecrew.live import public as live
from livecrew.review import builds, diagnosis, figures, scorecards
from livecrew.review.models import ReviewAction, ReviewNote, ReviewRules, ShowFigures
from livecrew.shows import public as shows
from livecrew.text import public as text

# The extension point through which the incidents feature lists a show's incidents for the review:
# ``fn(db, show_id) -> list[dict]`` with title, status, opened_at, acknowledged_at, resolved_at (datetimes).
INCIDENT_SOURCE = "review.incident_source"
DRAFT, FINAL, BUILDING = "draft", "final", "building"
BUILDING_RETRY_SECONDS = 5
FIGURE_KEYS = (*diagnosis.CORE, "net_gmv", "paid_orders", "buyers", "new_followers", "ad_spend", "duration_s")


def require_show(db: Session, workspace: Workspace, show_id: str) -> dict[str, Any]:
    info = shows.show_details(db, workspace.id, show_id)
    if info is None:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show", params={"id": show_id})
    return info


def _engine_part(
    engine: Any, lineup: list[dict[str, Any]], rule: dict[str, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    snapshot: dict[str, Any] = engine.snapshot()
    derived = figures.build(snapshot, live.engine_log(engine), lineup=lineup, rule=rule)
    return snapshot, derived


def rules_of(db: Session, workspace_id: str) -> list[dict[str, Any]]:
    row = db.get(ReviewRules, workspace_id)
    return list(row.rules) if row is not None and row.rules else [dict(r) for r in diagnosis.shipped_rules()]


def set_rules(db: Session, clock: Clock, workspace: Workspace, rules: Any, actor: User | None) -> list[dict[str, Any]]:
    checked = diagnosis.validate_rules(rules)
    row = db.get(ReviewRules, workspace.id)
    if row is None:
        row = ReviewRules(workspace_id=workspace.id)
        db.add(row)
    row.rules = checked
    row.updated_at = clock.now()
    row.updated_by = actor.id if actor else None
    db.flush()
    return checked


def core_figures(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: snapshot.get(k) for k in FIGURE_KEYS}


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() if a is not None and b is not None else None


def incidents_and_alerts(db: Session, show_id: str, start: int, end: int) -> dict[str, Any]:
    alerts = []
    for a in live.alerts_of_show(db, show_id):
        at = a["event_ts"] if a["event_ts"] is not None else int(a["raised_at"].timestamp() * 1000)
        alerts.append(
            {
                "id": a["id"],
                "rule": a["rule"],
                "severity": a["severity"],
                "message": a["message"],
                "key": a["key"],
                "params": a["params"],
                "raised_at": a["raised_at"].isoformat(),
                "acknowledged_at": a["acknowledged_at"].isoformat() if a["acknowledged_at"] else None,
                "resolved_at": a["resolved_at"].isoformat() if a["resolved_at"] else None,
                "seconds_to_acknowledge": _seconds(a["raised_at"], a["acknowledged_at"]),
                "seconds_to_resolve": _seconds(a["raised_at"], a["resolved_at"]),
                "minute": figures.minute_of(at, start, end) if end else 0,
            }
        )
    incidents = []
    for source in contributions(INCIDENT_SOURCE):
        found: list[dict[str, Any]] = source(db, show_id)
        for inc in found:
            opened = inc.get("opened_at")
            incidents.append(
                {
                    **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in inc.items()},
                    "seconds_to_acknowledge": _seconds(opened, inc.get("acknowledged_at")),
                    "seconds_to_resolve": _seconds(opened, inc.get("resolved_at")),
                    "minute": figures.minute_of(int(opened.timestamp() * 1000), start, end)
                    if isinstance(opened, datetime) and end
                    else None,
                }
            )
    return {"alerts": alerts, "incidents": incidents}


def targets_vs_actuals(targets: dict[str, Any], snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, target in targets.items():
        if key not in snapshot or not isinstance(target, int | float) or isinstance(snapshot[key], dict | list):
            continue
        actual = snapshot[key]
        lower = key in diagnosis.LOWER_IS_BETTER
        achieved = figures.ratio(target, actual) if lower else figures.ratio(actual, target)
        rows.append({"metric": key, "target": target, "actual": actual, "achieved": achieved})
    return rows


def history_figures(db: Session, workspace_id: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    """Stored figures of the room's last 10 ended shows before this one, newest first."""
    ids = shows.room_history(db, workspace_id, info["room"], info["starts_at"], 10)
    ids = [i for i in ids if i != info["id"]]
    if not ids:
        return []
    rows = {r.show_id: r for r in db.scalars(select(ShowFigures).where(ShowFigures.show_id.in_(ids))).all()}
    return [{"show_id": i, "title": rows[i].title, **rows[i].figures} for i in ids if i in rows]


def comparison(current: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    base = diagnosis.baselines(history)
    previous = history[0] if history else None
    rows = []
    for key in diagnosis.CORE:
        value = current.get(key)
        prev = previous.get(key) if previous else None
        med = base[key]
        rows.append(
            {
                "metric": key,
                "value": value,
                "previous": prev,
                "vs_previous": (value / prev - 1) if value is not None and prev else None,
                "median10": med,
                "vs_median": (value / med - 1) if value is not None and med else None,
            }
        )
    return {
        "previous_show": {"id": previous["show_id"], "title": previous["title"]} if previous else None,
        "shows_in_median": len(history),
        "rows": rows,
    }


# The comments and host lines of the last shows reviewed in this process, by (show, log version): a review is
# read many times in a meeting, and the log only ever grows.
_TEXTS: OrderedDict[tuple[str, int], list[tuple[int, str, str]]] = OrderedDict()
_TEXTS_KEPT = 8
_TEXTS_LOCK = threading.Lock()


def _remember_texts(key: tuple[str, int], texts: list[tuple[int, str, str]]) -> None:
    with _TEXTS_LOCK:
        _TEXTS[key] = texts
        _TEXTS.move_to_end(key)
        while len(_TEXTS) > _TEXTS_KEPT:
            _TEXTS.popitem(last=False)


def _texts_of(db: Session, show_id: str, version: int) -> list[tuple[int, str, str]]:
    with _TEXTS_LOCK:
        known = _TEXTS.get((show_id, version))
    if known is None:
        known = live.texts_of_show(db, show_id, upto=version)
        _remember_texts((show_id, version), known)
    return known


def _texts_part(
    db: Session,
    workspace: Workspace,
    show_id: str,
    texts: list[tuple[int, str, str]],
    markers: list[dict[str, Any]],
    start: int,
    end: int,
) -> dict[str, Any]:
    lexicon = text.workspace_lexicon(db, workspace.id)
    labels = text.label_texts((t for _ts, kind, t in texts if kind == "comment"), lexicon)
    host_hits: dict[str, list[dict[str, Any]]] = {}
    for _ts, kind, line in texts:
        if kind == "speech" and line not in host_hits:
            host_hits[line] = [
                {"term": h.term, "category": h.category, "severity": h.severity, "reason": h.reason}
                for h in lexicon.scan(line, "host", workspace.default_language)
            ]
    return figures.comments(
        texts, labels, text.question_cards, text.answered_cards(show_id), markers, start, end, host_hits
    )


def build_review(
    db: Session,
    workspace: Workspace,
    show_id: str,
    *,
    lang: str | None = None,
    app: Any = None,
    viewer: Any = None,
    keep_part: dict[str, Any] | None = None,
    wait_for_job: bool = False,
    server: Any = None,
) -> dict[str, Any]:
    """The review of a show (a draft while it is live, final once it ended). ``app``: use this process's live
    engine (the one behind ``GET .../metrics``) instead of replaying the log. ``viewer``: the principal whose
    scorecards are shown (None: all). ``wait_for_job``: when the show's final review is still to be built by
    the review job, answer ``building_state`` instead of building it here (the console and the API).
    ``server``: the app of the server the review job runs in: when this process's live engine of the show has
    applied the log exactly up to the version read here, it stands for the replay (the same engine, fed the
    same rows); else the log is replayed."""
    lang = lang or workspace.default_language
    info = require_show(db, workspace, show_id)
    lineup = goods.lineup_of_show(db, show_id)
    rule = goods.replacement_rule(db, workspace.id)

    def part(engine: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return _engine_part(engine, lineup, rule)

    version = live.log_version(db, show_id)
    stored = db.get(ShowFigures, show_id) if info["status"] in shows.ENDED_STATUSES else None
    comments: dict[str, Any] | None = None
    stored_current = stored is not None and stored.log_version == version and bool(stored.review_part)
    if wait_for_job and not stored_current and info["status"] in shows.ENDED_STATUSES and builds.pending(db, show_id):
        return building_state(info)
    if stored is not None and stored_current:
        # The final review as stored when the show ended: the log has not grown since, so nothing is replayed.
        snapshot, derived, comments = (stored.review_part[k] for k in ("metrics", "derived", "comments"))
    elif app is not None:
        snapshot, derived = live.with_live_engine(app, show_id, part)
    elif server is not None and (held := live.with_engine_at(server, db, show_id, version, part)) is not None:
        snapshot, derived = held
    else:  # one pass over the log feeds the engine and gathers the comments and host lines
        texts: list[tuple[int, str, str]] = []
        snapshot, derived = part(live.replay_engine(db, show_id, texts, upto=version))
        _remember_texts((show_id, version), texts)
    start, end = snapshot["start"] or 0, snapshot["end"] or 0
    markers = list(derived["markers"])
    incidents = incidents_and_alerts(db, show_id, start, end)
    for a in incidents["alerts"]:
        markers.append({"minute": a["minute"], "kind": "alert", "action": a["rule"], "product": None})
    for inc in incidents["incidents"]:
        if inc.get("minute") is not None:
            markers.append({"minute": inc["minute"], "kind": "incident", "action": inc.get("title"), "product": None})
    for perk in shows.drawn_perks(db, show_id):
        if end:
            minute = figures.minute_of(int(perk["at"].timestamp() * 1000), start, end)
            markers.append({"minute": minute, "kind": "perk", "action": perk["kind"], "product": perk["title"]})
    markers.sort(key=lambda m: (m["minute"], m.get("ts", 0)))
    if comments is None:
        texts = _texts_of(db, show_id, version)
        comments = _texts_part(db, workspace, show_id, texts, derived["markers"], start, end)
    current = core_figures(snapshot)
    history = history_figures(db, workspace.id, info)
    compare = comparison(current, history)
    base = diagnosis.baselines(history)
    rules = rules_of(db, workspace.id)
    diag: dict[str, Any] = {
        "baseline_shows": len(history),
        "weakest": diagnosis.weakest(current, base),
        "readings": diagnosis.readings(rules, current, base, derived["drops"], lang),
    }
    note = db.get(ReviewNote, show_id)
    actions = list_actions(db, workspace, show_id)
    review: dict[str, Any] = {
        "log_version": version,
        "show": _show_out(info),
        "state": FINAL if info["status"] in shows.ENDED_STATUSES else DRAFT,
        "metrics": snapshot,
        "targets": targets_vs_actuals(info["targets"], snapshot),
        "comparison": compare,
        "funnel": derived["funnel"],
        "traffic": derived["traffic"],
        "minutes": snapshot["minutes"],
        "markers": markers,
        "drops": derived["drops"],
        "products": derived["products"],
        "persona": derived["persona"],
        "retention": derived["retention"],
        "ad_slots": derived["ad_slots"],
        "comments": comments,
        "incidents": incidents,
        "diagnosis": diag,
        "actions": actions,
        "_part": {"metrics": snapshot, "derived": derived, "comments": comments},
        "notes": note_out(note),
    }
    team = scorecards.team_figures(review, info)
    kpis = scorecards.definitions(db, workspace.id)
    cards = scorecards.score_show(info, snapshot, team, kpis)
    review["team_goal"] = scorecards.team_goal(kpis, info, snapshot)
    if viewer is not None and not scorecards.sees_all(viewer):
        cards = [c for c in cards if c["user_id"] == viewer.user.id]
    review["scorecards"] = cards
    from livecrew.review import cases

    review["similar_cases"] = cases.similar(db, workspace, show_id, [r["rule"] for r in diag["readings"]])
    part_kept = review.pop("_part")
    if keep_part is not None:
        keep_part.update(part_kept)
    return review


def building_state(info: dict[str, Any]) -> dict[str, Any]:
    """What the console and the API show while the review job builds the show's final review."""
    return {"state": BUILDING, "show": _show_out(info), "retry_after": BUILDING_RETRY_SECONDS}


def _show_out(info: dict[str, Any]) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

    planned_end = info["starts_at"] + timedelta(minutes=info["planned_minutes"])
    return {
        "id": info["id"],
        "title": info["title"],
        "room": info["room"],
        "theme": info["theme"],
        "status": info["status"],
        "planned_start": iso(info["starts_at"]),
        "planned_end": iso(planned_end),
        "planned_minutes": info["planned_minutes"],
        "live_at": iso(info["live_at"]),
        "ended_at": iso(info["ended_at"]),
        "roster": info["roster"],
        "hosts": [r["name"] for r in info["roster"] if r["role"] == "host"],
    }


# ------------------------------------------------------------------ stored figures (comparisons, trends)


def store_figures(db: Session, clock: Clock, workspace: Workspace, show_id: str, *, server: Any = None) -> ShowFigures:
    """Compute and keep the show's core figures and scorecards (when it ends and when it is reviewed).
    ``server``: as ``build_review``'s (the review job in a server)."""
    part: dict[str, Any] = {}
    review = build_review(db, workspace, show_id, keep_part=part, server=server)
    info = require_show(db, workspace, show_id)
    row = db.get(ShowFigures, show_id)
    if row is None:
        row = ShowFigures(show_id=show_id, workspace_id=workspace.id)
        db.add(row)
    row.room = info["room"]
    row.title = info["title"]
    row.host_ids = [r["user_id"] for r in info["roster"] if r["role"] == "host"]
    row.starts_at = info["starts_at"]
    row.figures = core_figures(review["metrics"])
    row.scores = review["scorecards"]
    row.computed_at = clock.now()
    row.log_version = review["log_version"]
    row.review_part = part
    db.flush()
    return row


def build_waiting(db: Session, clock: Clock, workspace: Workspace, show_id: str) -> bool:
    """Build a final review the job has not built yet, in the caller's transaction (``livecrew review``).
    False: none was waiting."""
    if not builds.pending(db, show_id):
        return False
    store_figures(db, clock, workspace, show_id)
    builds.done(db, show_id, builds.requests_of(db, show_id))
    return True


def on_show_transitioned(db: Session, event: Any) -> None:
    """Subscriber: when a show ends, and again when it is reviewed, ask the review job to build and keep its
    final review (``builds``): the transition does not wait for it."""
    if event.to_status not in shows.ENDED_STATUSES:
        return
    builds.request_build(db, clock_of(db).now(), event.workspace_id, event.show_id)


# ------------------------------------------------------------------ actions, notes, sign-off


def action_out(a: ReviewAction, names: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": a.id,
        "problem": a.problem,
        "cause": a.cause,
        "action": a.action,
        "owner_id": a.owner_id,
        "owner": (names or {}).get(a.owner_id or "", ""),
        "due_on": a.due_on.isoformat(),
        "task_id": a.task_id,
        "created_at": a.created_at.isoformat(),
    }


def list_actions(db: Session, workspace: Workspace, show_id: str) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(ReviewAction)
        .where(ReviewAction.workspace_id == workspace.id, ReviewAction.show_id == show_id)
        .order_by(ReviewAction.id)
    ).all()
    owners = {r.owner_id for r in rows if r.owner_id}
    names = dict(db.execute(select(User.id, User.display_name).where(User.id.in_(owners))).all()) if owners else {}
    return [action_out(r, names) for r in rows]


def _clean(value: Any, what: str, *, required: bool = True, limit: int = 2000) -> str:
    text_value = " ".join(str(value or "").split()) if "\n" not in str(value or "") else str(value).strip()
    if required and not text_value:
        raise ValidationFailed(f"{what} is required", key="review.err.required", params={"what": what})
    if len(text_value) > limit:
        raise ValidationFailed(f"{what} is longer than {limit} characters", key="review.err.too_long")
    return text_value


def add_action(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    show_id: str,
    *,
    problem: str,
    cause: str,
    action: str,
    owner_id: str | None,
    due_on: date | str | None,
    actor: User | None,
) -> dict[str, Any]:
    """A review action, and its board task (TaskSource.review) for the owner by the due date."""
    info = require_show(db, workspace, show_id)
    problem = _clean(problem, "problem")
    action = _clean(action, "action")
    cause = _clean(cause, "cause", required=False)
    if isinstance(due_on, str):
        try:
            due_on = date.fromisoformat(due_on.strip())
        except ValueError:
            raise ValidationFailed(
                f'"{due_on}" is not a date; use YYYY-MM-DD', key="review.err.due", params={"value": due_on}
            ) from None
    if due_on is None:
        raise ValidationFailed("the due date is required (YYYY-MM-DD)", key="review.err.due", params={"value": ""})
    row = ReviewAction(
        workspace_id=workspace.id,
        show_id=show_id,
        problem=problem,
        cause=cause,
        action=action,
        owner_id=owner_id or None,
        due_on=due_on,
        created_by=actor.id if actor else None,
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    detail = f"{info['title']}\n問題 / Problem: {problem}\n原因 / Cause: {cause or '-'}"
    row.task_id = add_task(
        db,
        clock,
        workspace,
        title=action[:200],
        due_on=due_on,
        owner_id=owner_id or None,
        source_kind=TaskSource.review,
        source_id=str(row.id),
        show_id=show_id,
        detail=detail,
        actor=actor,
    )
    db.flush()
    return action_out(row)


def note_out(note: ReviewNote | None) -> dict[str, Any]:
    if note is None:
        return {"notes": "", "nothing_to_change": False, "signed_by": None, "signed_at": None}
    return {
        "notes": note.notes,
        "nothing_to_change": note.nothing_to_change,
        "signed_by": note.signed_by,
        "signed_at": note.signed_at.isoformat() if note.signed_at else None,
    }


def save_notes(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    show_id: str,
    *,
    notes: str | None = None,
    sign_off: bool = False,
    nothing_to_change: bool = False,
    actor: User | None,
) -> dict[str, Any]:
    """Meeting notes; ``sign_off`` records who signed the review off and whether there is nothing to change."""
    require_show(db, workspace, show_id)
    note = db.get(ReviewNote, show_id)
    if note is None:
        note = ReviewNote(show_id=show_id, workspace_id=workspace.id, notes="", nothing_to_change=False)
        db.add(note)
    if notes is not None:
        note.notes = _clean(notes, "notes", required=False, limit=20_000)
    if sign_off:
        note.nothing_to_change = bool(nothing_to_change)
        note.signed_by = actor.id if actor else None
        note.signed_at = clock.now()
    note.updated_at = clock.now()
    db.flush()
    return note_out(note)


def mark_reviewed(db: Session, clock: Clock, workspace: Workspace, show_id: str, actor: User | None) -> str:
    """Move the show to ``reviewed`` (the gate asks for an action or a "nothing to change" sign-off)."""
    return shows.transition_show(db, clock, workspace, show_id, shows.ShowStatus.reviewed.value, actor=actor)


def review_done(db: Session, show_id: str) -> bool:
    has_action = db.scalar(select(ReviewAction.id).where(ReviewAction.show_id == show_id).limit(1)) is not None
    note = db.get(ReviewNote, show_id)
    return has_action or (note is not None and note.nothing_to_change and note.signed_at is not None)
