"""``livecrew review SHOW_ID --format pdf|xlsx|html|json --out FILE``: the show's review, as the API gives it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FORMATS = ("pdf", "xlsx", "html", "json")


def review(
    show_id: Annotated[str, typer.Argument(help="The show's id.")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, xlsx, html or json.")] = "pdf",
    out: Annotated[Path | None, typer.Option("--out", help="The file to write (default: review-SHOW.FORMAT).")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh-Hant, zh-Hans or en (default: the workspace's language).")
    ] = None,
) -> None:
    """Write a show's review (復盤): the same numbers as the console and the API."""
    from livecrew.core import cli
    from livecrew.core.auth.models import Workspace
    from livecrew.review import exports, service
    from livecrew.shows import public as shows

    if fmt not in FORMATS:
        raise cli.fail(f'unknown format "{fmt}"; use one of: {", ".join(FORMATS)}')
    if lang is not None and lang not in ("zh-Hant", "zh-Hans", "en"):
        raise cli.fail(f'unknown language "{lang}"; use zh-Hant, zh-Hans or en')
    with cli.database() as db:
        workspace_id = shows.workspace_of_show(db, show_id)
        workspace = db.get(Workspace, workspace_id) if workspace_id else None
        if workspace is None:
            raise cli.fail(f'no show with id "{show_id}"')
        if service.build_waiting(db, cli.CLOCK, workspace, show_id):  # the job had not built it yet: built here
            cli.out.print("built and stored the show's final review")
        data = service.build_review(db, workspace, show_id, lang=lang)
        content = exports.render(data, fmt, lang or workspace.default_language, workspace.currency)
    target = out or Path(f"review-{show_id}.{fmt}")
    target.write_bytes(content)
    cli.out.print(f"wrote {target} ({len(content):,} bytes)")


def register(app: typer.Typer) -> None:
    app.command("review")(review)
