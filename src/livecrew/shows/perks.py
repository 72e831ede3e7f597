"""Perks: coupons, lucky bags (福袋) with a fair, auditable draw, and flash sales; and rehearsals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.shows.models import Perk, PerkKind, Rehearsal, Show

# What each kind of perk must say about itself, and the bounds of each number (minor units for money).
_FIELDS: dict[str, dict[str, tuple[int, int]]] = {
    PerkKind.coupon: {"threshold": (0, 10**9), "discount": (1, 10**9), "quantity": (1, 10**7)},
    PerkKind.lucky_bag: {"winners": (1, 10_000)},
    PerkKind.flash_sale: {"price": (1, 10**9), "duration_minutes": (1, 240), "quota": (1, 10**7)},
}
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    PerkKind.coupon: ("valid_until",),
    PerkKind.lucky_bag: ("prize", "eligibility"),
    PerkKind.flash_sale: ("product",),
}
ELIGIBILITY = ("commented", "followed", "commented_or_followed", "all_viewers")


def _validate(kind: str, details: dict[str, Any], show: Show) -> dict[str, Any]:
    if kind not in _FIELDS:
        raise ValidationFailed(f'unknown perk kind "{kind}"; use coupon, lucky_bag or flash_sale', key="err.perk_kind")
    clean: dict[str, Any] = {}
    for name, (low, high) in _FIELDS[kind].items():
        value = details.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(
                f'"{name}" must be a whole number from {low} to {high} for a {kind} (got {value!r})',
                key="err.perk_field",
                params={"field": name, "low": low, "high": high},
            )
        clean[name] = value
    for name in _TEXT_FIELDS[kind]:
        value = str(details.get(name) or "").strip()
        if not value:
            raise ValidationFailed(f'a {kind} needs "{name}"', key="err.perk_missing", params={"field": name})
        clean[name] = value
    if kind == PerkKind.coupon:
        if clean["threshold"] and clean["discount"] >= clean["threshold"]:
            raise ValidationFailed(
                "the discount must be smaller than the spending threshold", key="err.coupon_discount"
            )
        try:
            datetime.fromisoformat(clean["valid_until"])
        except ValueError:
            raise ValidationFailed('"valid_until" must be an ISO 8601 date', key="err.perk_date") from None
    if kind == PerkKind.lucky_bag:
        if clean["eligibility"] not in ELIGIBILITY:
            raise ValidationFailed(f"eligibility must be one of {', '.join(ELIGIBILITY)}", key="err.perk_eligibility")
        window = details.get("window_minutes")
        if window is not None:
            if not isinstance(window, int) or not 1 <= window <= show.planned_minutes:
                raise ValidationFailed("the comment window must fit inside the show", key="err.perk_window")
            clean["window_minutes"] = window
    return clean


def add_perk(
    db: Session, clock: Clock, show: Show, *, kind: str, title: str, at_minute: int | None, details: dict[str, Any]
) -> Perk:
    name = " ".join(title.split())
    if not name:
        raise ValidationFailed("the perk needs a title", key="err.perk_title")
    if at_minute is not None and not 0 <= at_minute < show.planned_minutes:
        raise ValidationFailed(
            f"the perk's moment must be inside the show (0 to {show.planned_minutes - 1} minutes)",
            key="err.perk_minute",
            params={"max": show.planned_minutes - 1},
        )
    perk = Perk(
        show_id=show.id,
        kind=kind,
        title=name[:160],
        at_minute=at_minute,
        details=_validate(kind, details, show),
        created_at=clock.now(),
    )
    db.add(perk)
    db.flush()
    return perk


def list_perks(db: Session, show: Show) -> list[Perk]:
    from sqlalchemy import select

    stmt = select(Perk).where(Perk.show_id == show.id).order_by(Perk.at_minute.is_(None), Perk.at_minute, Perk.id)
    return list(db.scalars(stmt).all())


def get_perk(db: Session, show: Show, perk_id: int) -> Perk:
    perk = db.get(Perk, perk_id)
    if perk is None or perk.show_id != show.id:
        raise NotFound(f"no perk {perk_id} in this show", key="err.no_perk")
    return perk


def draw_lucky_bag(
    db: Session, clock: Clock, show: Show, perk: Perk, *, eligible: list[str], seed: str | None, actor: User | None
) -> dict[str, Any]:
    """Freeze the eligible list, record the seed, pick the winners. Anyone can re-run it and get the same winners."""
    import livecrew.shows.draw as fair

    if perk.kind != PerkKind.lucky_bag:
        raise Conflict("only a lucky bag has a draw", key="err.not_lucky_bag")
    if perk.draw is not None:
        raise Conflict("this lucky bag was already drawn; its result is recorded", key="err.already_drawn")
    people = [str(e).strip() for e in eligible if str(e).strip()]
    if not people:
        raise ValidationFailed("nobody is eligible for this draw", key="err.draw_empty")
    result = fair.draw(people, int(perk.details["winners"]), seed or fair.new_seed())
    record: dict[str, Any] = dict(result.to_dict())
    record["eligible"] = sorted(set(people))
    perk.draw = record
    perk.drawn_at = clock.now()
    perk.drawn_by = actor.id if actor else None
    db.flush()
    publish_after_commit(
        db, show_channel(show.id), {"kind": "perk.drawn", "perk": perk.id, "winners": record["winners"]}
    )
    return record


def verify_draw(perk: Perk) -> bool:
    """Re-run the recorded draw from its frozen list and seed."""
    import livecrew.shows.draw as fair

    if perk.draw is None:
        return False
    rerun = fair.draw(perk.draw["eligible"], int(perk.details["winners"]), perk.draw["seed"])
    return bool(
        rerun.to_dict()["winners"] == perk.draw["winners"] and fair.verify(fair.DrawResult.from_dict(perk.draw))
    )


def add_rehearsal(
    db: Session,
    clock: Clock,
    show: Show,
    *,
    at: datetime,
    participants: list[str],
    notes: str,
    problems: list[str],
    actor: User | None,
) -> Rehearsal:
    if at.tzinfo is None:
        raise ValidationFailed("the rehearsal time needs a time zone", key="err.rehearsal_tz")
    clean_problems = [{"text": " ".join(p.split())} for p in problems if p.strip()]
    rehearsal = Rehearsal(
        show_id=show.id,
        at=at,
        participants=participants,
        notes=notes.strip(),
        problems=clean_problems,
        created_by=actor.id if actor else None,
        created_at=clock.now(),
    )
    db.add(rehearsal)
    db.flush()
    _problems_to_tasks(db, clock, show, rehearsal, actor)
    return rehearsal


def _problems_to_tasks(db: Session, clock: Clock, show: Show, rehearsal: Rehearsal, actor: User | None) -> None:
    """Each problem found becomes a task for the show's operations person, due before the show starts: the
    board does it (it subscribes to ``RehearsalProblemsFound``) and links the tasks back here."""
    from zoneinfo import ZoneInfo

    from livecrew.core.auth.models import Workspace
    from livecrew.core.events import emit
    from livecrew.shows.facts import RehearsalProblemsFound
    from livecrew.shows.gate import active_roster

    if not rehearsal.problems:
        return
    workspace = db.get(Workspace, show.workspace_id)
    assert workspace is not None
    staffed = active_roster(db, show)
    crew = staffed.get("operations") or staffed.get("controller") or []
    owner = crew[0] if crew else actor
    emit(
        db,
        RehearsalProblemsFound(
            workspace_id=workspace.id,
            show_id=show.id,
            show_title=show.title,
            rehearsal_id=rehearsal.id,
            problems=tuple(problem["text"] for problem in rehearsal.problems),
            notes=rehearsal.notes,
            due_on=show.starts_at.astimezone(ZoneInfo(workspace.timezone)).date(),
            owner_id=owner.id if owner else None,
            actor_id=actor.id if actor else None,
        ),
    )


def link_rehearsal_tasks(db: Session, rehearsal_id: int, task_ids: list[int]) -> None:
    """The board made these tasks of a rehearsal's problems (in their order): note each beside its problem."""
    rehearsal = db.get(Rehearsal, rehearsal_id)
    if rehearsal is None:
        raise NotFound(f"no rehearsal {rehearsal_id}", key="err.no_rehearsal", params={"id": rehearsal_id})
    rehearsal.problems = [
        {**problem, "task_id": task_id} for problem, task_id in zip(rehearsal.problems, task_ids, strict=True)
    ]
    db.flush()


def list_rehearsals(db: Session, show: Show) -> list[Rehearsal]:
    from sqlalchemy import select

    return list(db.scalars(select(Rehearsal).where(Rehearsal.show_id == show.id).order_by(Rehearsal.at)).all())
