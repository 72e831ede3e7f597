"""The permission table: which role may do which action. Declared here and nowhere else.

Routes never test roles themselves; they depend on ``require(Action.X)`` (see ``deps.py``).
``docs/permissions.md`` is rendered from this table (``livecrew permissions``) and a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from livecrew.core.auth.roles import Role


class Action(StrEnum):
    workspace_view = "workspace.view"
    workspace_manage = "workspace.manage"
    people_view = "people.view"
    people_manage = "people.manage"
    tokens_own = "tokens.own"
    tokens_manage = "tokens.manage"
    team_view = "team.view"
    team_edit = "team.edit"
    goods_view = "goods.view"
    goods_edit = "goods.edit"
    shows_view = "shows.view"
    shows_edit = "shows.edit"
    shows_transition = "shows.transition"
    shows_checklist = "shows.checklist"
    live_view = "live.view"
    live_ingest = "live.ingest"
    live_control = "live.control"
    alerts_edit = "alerts.edit"
    claims_manage = "claims.manage"
    compliance_edit = "compliance.edit"
    comms_post = "comms.post"
    comms_manage = "comms.manage"
    comms_view = "comms.view"
    comms_pin = "comms.pin"
    comms_moderate = "comms.moderate"
    incidents_run = "incidents.run"
    incidents_edit = "incidents.edit"
    service_view = "service.view"
    service_edit = "service.edit"
    service_manage = "service.manage"
    review_view = "review.view"
    review_edit = "review.edit"
    review_scores_all = "review.scores_all"
    notify_manage = "notify.manage"


ACTION_HELP: dict[Action, str] = {
    Action.workspace_view: "see the workspace settings",
    Action.workspace_manage: "change name, currency, time zone and default language",
    Action.people_view: "see who is on the team and their roles",
    Action.people_manage: "add, invite, change roles of and deactivate people",
    Action.tokens_own: "create and revoke one's own API tokens",
    Action.tokens_manage: "see and revoke anyone's API tokens",
    Action.team_view: "see duties, the responsibility matrix, backups and KPIs",
    Action.team_edit: "edit duties, the matrix, backups and KPIs",
    Action.goods_view: "see products, suppliers and lineups",
    Action.goods_edit: "edit products, suppliers, documents, sample tests and lineups",
    Action.shows_view: "see shows, the schedule and run of show",
    Action.shows_edit: "create and plan shows, rosters, checklists and perks",
    Action.shows_transition: "move a show through its lifecycle (rehearse, ready, live, end)",
    Action.shows_checklist: "tick or skip the checklist items addressed to one's own role",
    Action.live_view: "watch the control room and its metrics",
    Action.live_ingest: "feed live events (platform adapters, replays)",
    Action.live_control: "control-room actions: explain, shelf, coupons, lucky bags, announcements",
    Action.alerts_edit: "change alert thresholds, the roles they address, switch rules off",
    Action.claims_manage: "confirm, cancel and move +1 claims",
    Action.compliance_edit: "edit the compliance lexicon",
    Action.comms_post: "post in show channels",
    Action.comms_manage: "manage channels, tags and chat-app pushes",
    Action.comms_view: "read team channels and the host's screen",
    Action.comms_pin: "pin and unpin messages in team channels",
    Action.comms_moderate: "delete anyone's message in team channels (kept in the audit trail)",
    Action.incidents_run: "open an incident and work its runbook",
    Action.incidents_edit: "edit runbooks",
    Action.service_view: "see customer-service tickets, customers, reports and retargeting lists",
    Action.service_edit: "work customer-service tickets, reply templates and imports",
    Action.service_manage: "change service hours, SLA targets, automatic tickets and agents' hours",
    Action.review_view: "see review reports and scorecards",
    Action.review_edit: "write reviews, targets and follow-up tasks",
    Action.review_scores_all: "see everyone's scorecards (others see their own)",
    Action.notify_manage: "manage push targets (DingTalk, Feishu, WeCom, Slack, LINE, Telegram, webhooks)",
}

_O, _H, _A, _OP, _S, _C, _SV, _AN, _T = (
    Role.owner,
    Role.host,
    Role.assistant,
    Role.operations,
    Role.selection,
    Role.controller,
    Role.service,
    Role.analyst,
    Role.tech,
)
_EVERYONE = frozenset(Role)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.workspace_view: _EVERYONE,
    Action.workspace_manage: frozenset({_O}),
    Action.people_view: _EVERYONE,
    Action.people_manage: frozenset({_O, _OP}),
    Action.tokens_own: _EVERYONE,
    Action.tokens_manage: frozenset({_O}),
    Action.team_view: _EVERYONE,
    Action.team_edit: frozenset({_O, _OP}),
    Action.goods_view: _EVERYONE,
    Action.goods_edit: frozenset({_O, _OP, _S}),
    Action.shows_view: _EVERYONE,
    Action.shows_edit: frozenset({_O, _OP}),
    Action.shows_transition: frozenset({_O, _OP, _C}),
    Action.shows_checklist: _EVERYONE,
    Action.live_view: _EVERYONE,
    Action.live_ingest: frozenset({_O, _OP, _C, _T}),
    Action.live_control: frozenset({_O, _H, _A, _OP, _C}),
    Action.alerts_edit: frozenset({_O, _OP, _C}),
    Action.claims_manage: frozenset({_O, _A, _OP, _C, _SV}),
    Action.compliance_edit: frozenset({_O, _OP, _C}),
    Action.comms_post: _EVERYONE,
    Action.comms_manage: frozenset({_O, _OP}),
    Action.comms_view: _EVERYONE,
    Action.comms_pin: frozenset({_O, _H, _A, _OP, _C}),
    Action.comms_moderate: frozenset({_O}),
    Action.incidents_run: _EVERYONE,
    Action.incidents_edit: frozenset({_O, _OP, _C}),
    Action.service_view: frozenset({_O, _OP, _SV}),  # customer data: service, operations and owner only
    Action.service_edit: frozenset({_O, _OP, _SV}),
    Action.service_manage: frozenset({_O, _OP}),
    Action.review_view: _EVERYONE,
    Action.review_edit: frozenset({_O, _OP, _AN}),
    Action.review_scores_all: frozenset({_O, _OP}),
    Action.notify_manage: frozenset({_O, _OP, _T}),
}


def allowed(roles: Iterable[str], action: Action) -> bool:
    """True when any of the roles may perform the action."""
    permitted = PERMISSIONS[action]
    return any(role in permitted for role in roles)


def roles_for(action: Action) -> list[Role]:
    return [r for r in Role if r in PERMISSIONS[action]]


def render_markdown() -> str:
    """The permission table as Markdown, for docs/permissions.md."""
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Who may do what. This page is generated from `src/livecrew/core/auth/permissions.py`",
        "(`livecrew permissions > docs/permissions.md`); a test fails when the two disagree.",
        "A person may hold several roles; they may do whatever any of their roles may do.",
        "API tokens act with the roles of the user they belong to.",
        "",
        "| action | what it allows | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for action in Action:
        cells = ["✓" if r in PERMISSIONS[action] else "" for r in roles]
        lines.append(f"| `{action.value}` | {ACTION_HELP[action]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
