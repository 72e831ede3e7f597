"""``livecrew triage``, ``livecrew scan`` and ``livecrew eval`` (TEXT.md command-line contracts), and
``livecrew lexicon list|add|remove|allow|unallow|history|revert --workspace ...`` for a workspace's lexicon.

Both ``triage`` and ``scan`` read one text per input line (a file, or ``-`` for stdin) and print one JSON object
per non-blank line, numbered by the physical input line. ``triage`` always prints the ``topic`` key: the topic
for questions and complaints, ``null`` for the other labels.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

InputArg = Annotated[str, typer.Argument(help="A text file, one comment per line, or - for stdin.")]


def _lines(path: str) -> list[str]:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        file = Path(path)
        if not file.is_file():
            raise typer.BadParameter(f"{path} does not exist or is not a file", param_hint="FILE")
        data = file.read_bytes()
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise typer.BadParameter(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})", param_hint="FILE"
        ) from None


def _write(obj: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")


def triage_command(file: InputArg = "-") -> None:
    """Label each comment: question, purchase, complaint, praise, spam or other (with a topic)."""
    from livecrew.text.fastcli import triage_output

    sys.stdout.buffer.write(triage_output(_lines(file)))


def scan_command(
    file: InputArg = "-",
    profile: Annotated[str, typer.Option("--profile", help="host (scripts, what the host says) or audience.")] = "host",
    lang: Annotated[str, typer.Option("--lang", help="Language of the reasons: zh-Hant, zh-Hans or en.")] = "zh-Hant",
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Use this workspace's lexicon (default: the shipped one).")
    ] = None,
) -> None:
    """Find compliance problems in each line; offsets are character offsets into the line as given."""
    from livecrew.text.compliance import LANGUAGES, PROFILES, default_lexicon
    from livecrew.text.fastcli import scan_output

    if profile not in PROFILES:
        raise typer.BadParameter(f'"{profile}" is not a profile; use host or audience', param_hint="--profile")
    if lang not in LANGUAGES:
        raise typer.BadParameter(f'"{lang}" is not a language; use {", ".join(LANGUAGES)}', param_hint="--lang")
    lexicon = default_lexicon()
    if workspace:
        from livecrew.core import cli
        from livecrew.core.auth import service as auth
        from livecrew.text.lexicon import lexicon_for

        with cli.database() as db:
            lexicon = lexicon_for(db, auth.find_workspace(db, workspace).id)
    sys.stdout.buffer.write(scan_output(_lines(file), profile, lang, lexicon))


def eval_command(
    triage_set: Annotated[
        Path, typer.Option("--triage-set", help="Labelled comments (JSON Lines: text, label, topic).")
    ] = Path("tests/data/triage.jsonl"),
    compliance_set: Annotated[
        Path, typer.Option("--compliance-set", help="Compliance cases (JSON Lines: text, profile, expect).")
    ] = Path("tests/data/compliance.jsonl"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Precision / recall / F1 of triage and recall / false positives of compliance on labelled sets."""
    from livecrew.text.evaluation import evaluate_compliance, evaluate_triage, read_jsonl, report

    for path, hint in ((triage_set, "--triage-set"), (compliance_set, "--compliance-set")):
        if not path.is_file():
            raise typer.BadParameter(f"{path} does not exist (run from the repository root)", param_hint=hint)
    try:
        tri = evaluate_triage(read_jsonl(triage_set))
        comp = evaluate_compliance(read_jsonl(compliance_set))
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(f"a labelled set is malformed: {exc}") from None
    if as_json:
        tri.pop("mistakes")
        comp.pop("misses")
        sys.stdout.buffer.write(orjson.dumps({"triage": tri, "compliance": comp}, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(report(tri, comp) + "\n")


# ------------------------------------------------------------------ livecrew lexicon

lexicon_app = typer.Typer(
    help="A workspace's compliance lexicon: list, add, remove, allow, unallow, history, revert.", no_args_is_help=True
)
WorkspaceOpt = Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="E-mail of the person making the change (shown in the history).")
]
NoteOpt = Annotated[str, typer.Option("--note", help="Why (shown in the history).")]
TermArg = Annotated[str, typer.Argument(help="The term or allow-word.")]


def _change(workspace: str, by: str | None, work: Callable[..., Any]) -> None:
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.core.errors import NotFound

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        actor = auth.find_user_by_email(db, by) if by else None
        if actor is not None and actor.workspace_id != ws.id:
            raise NotFound(f"{by} is not a member of {ws.name}", key="err.not_member", params={"who": by})
        change = work(db, ws, actor)
        line = f"version {change.version}: {change.action} {change.term or change.target_version}"
        if change.applies_to:
            line += f" (for {change.applies_to})"
    cli.out.print(line, markup=False, highlight=False)


@lexicon_app.command("list")
def lexicon_list(
    workspace: WorkspaceOpt,
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="host or audience.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="shipped or workspace.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="term, pattern or allow.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Text in the term or its reason.")] = None,
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    per_page: Annotated[int, typer.Option("--per-page", min=1, max=200)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The workspace's effective lexicon (its own changes first)."""
    from rich.table import Table

    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.text import lexicon

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        found = lexicon.list_items(
            db,
            ws,
            category=category,
            profile=profile,
            source=source,
            kind=kind,
            q=search,
            page=page,
            per_page=per_page,
        )
    if as_json:
        _write({"version": found.version, "total": found.total, "items": [i.to_dict() for i in found.items]})
        return
    table = Table(title=f"version {found.version}: {found.total} entries, page {found.page}")
    for column in ("term", "kind", "category", "severity", "profiles", "source", "reason"):
        table.add_column(column)
    for i in found.items:
        source_text = f"{i.source} v{i.version}" if i.version else i.source
        table.add_row(
            i.term, i.kind, i.category or "", i.severity or "", ",".join(i.profiles), source_text, i.reason[:60]
        )
    cli.out.print(table)


@lexicon_app.command("add")
def lexicon_add(
    term: TermArg,
    workspace: WorkspaceOpt,
    category: Annotated[str, typer.Option("--category", help="absolute, medical, false_promise, price ...")],
    severity: Annotated[str, typer.Option("--severity", help="block, warn or info.")] = "warn",
    profile: Annotated[list[str] | None, typer.Option("--profile", help="host / audience (repeat for both).")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="zh-Hant, zh-Hans, en (repeatable).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="What to say instead, shown with each hit.")] = "",
    note: NoteOpt = "",
    by: ByOpt = None,
) -> None:
    """Add a term to the workspace's lexicon."""
    from livecrew.text import lexicon

    _change(
        workspace,
        by,
        lambda db, ws, actor: lexicon.add_term(
            db,
            ws,
            term=term,
            category=category,
            severity=severity,
            profiles=profile,
            languages=lang,
            reason=reason,
            note=note,
            actor=actor,
        ),
    )


@lexicon_app.command("remove")
def lexicon_remove(term: TermArg, workspace: WorkspaceOpt, note: NoteOpt = "", by: ByOpt = None) -> None:
    """Remove a term (shipped or the workspace's own)."""
    from livecrew.text import lexicon

    _change(workspace, by, lambda db, ws, actor: lexicon.remove_term(db, ws, term, note=note, actor=actor))


ForOpt = Annotated[
    str | None, typer.Option("--for", help="Protect this one term only (default: every term of the lexicon).")
]


@lexicon_app.command("allow")
def lexicon_allow(
    term: TermArg, workspace: WorkspaceOpt, for_term: ForOpt = None, note: NoteOpt = "", by: ByOpt = None
) -> None:
    """Add an allow-word: text it covers is never flagged (with --for, by that one term only)."""
    from livecrew.text import lexicon

    _change(
        workspace,
        by,
        lambda db, ws, actor: lexicon.allow_word(db, ws, term, applies_to=for_term, note=note, actor=actor),
    )


@lexicon_app.command("unallow")
def lexicon_unallow(
    term: TermArg, workspace: WorkspaceOpt, for_term: ForOpt = None, note: NoteOpt = "", by: ByOpt = None
) -> None:
    """Remove an allow-word (shipped or the workspace's own; with --for, the allow-word of that term)."""
    from livecrew.text import lexicon

    _change(
        workspace,
        by,
        lambda db, ws, actor: lexicon.unallow_word(db, ws, term, applies_to=for_term, note=note, actor=actor),
    )


@lexicon_app.command("revert")
def lexicon_revert(
    version: Annotated[int, typer.Argument(help="The version to bring back (0: the shipped lexicon).", min=0)],
    workspace: WorkspaceOpt,
    note: NoteOpt = "",
    by: ByOpt = None,
) -> None:
    """Bring back an earlier version's lexicon, as a new version."""
    from livecrew.text import lexicon

    _change(workspace, by, lambda db, ws, actor: lexicon.revert(db, ws, version, note=note, actor=actor))


@lexicon_app.command("history")
def lexicon_history(
    workspace: WorkspaceOpt,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
) -> None:
    """The workspace's lexicon changes, newest first."""
    from rich.table import Table

    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.text import lexicon

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        rows = lexicon.history(db, ws, limit=limit)
        table = Table(title=f"{ws.name}: lexicon history")
        for column in ("version", "action", "term", "category", "severity", "by", "when (UTC)", "note"):
            table.add_column(column)
        for row in rows:
            c = row.change
            table.add_row(
                str(c.version),
                c.action,
                c.term if c.action != "revert" else f"→ v{c.target_version}",
                c.category or "",
                c.severity or "",
                row.actor_name or "",
                c.created_at.strftime("%Y-%m-%d %H:%M"),
                c.note,
            )
    cli.out.print(table)


def text_app() -> typer.Typer:
    """``triage`` and ``scan`` alone: ``python -m livecrew.text.cli triage FILE`` starts without the rest of
    livecrew (what ``livecrew triage`` costs once the house's lazy start-up lands)."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
    app.command("triage")(triage_command)
    app.command("scan")(scan_command)
    return app


def register(app: typer.Typer) -> None:
    app.command("triage")(triage_command)
    app.command("scan")(scan_command)
    app.command("eval")(eval_command)
    app.add_typer(lexicon_app, name="lexicon")


if __name__ == "__main__":  # pragma: no cover - exercised by bench/text.py and tests through a subprocess
    text_app()()
