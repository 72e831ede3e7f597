"""``livecrew channel ...``: list a show's or the workspace's channels, post and read messages."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

channel_app = typer.Typer(help="Team channels (頻道): list, post, read.", no_args_is_help=True)


@channel_app.command("list")
def list_(
    show: Annotated[
        str | None, typer.Option("--show", help="A show's id: its preview, live, emergency channels.")
    ] = None,
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Workspace id (or its exact name): its own channels.")
    ] = None,
) -> None:
    """A show's channels (--show) or the workspace's channels (--workspace), with their ids."""
    from livecrew.comms import service
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.core.auth.models import Workspace
    from livecrew.core.errors import NotFound
    from livecrew.shows.public import Show
    from livecrew.web.i18n import Translator

    if not show and not workspace:
        raise cli.fail("give --show SHOW_ID or --workspace WORKSPACE")
    with cli.database() as db:
        if show:
            found = db.get(Show, show)
            if found is None:
                raise NotFound(f'no show with id "{show}"', key="err.no_show", params={"id": show})
            ws = db.get(Workspace, found.workspace_id)
            assert ws is not None
            channels = service.show_channels(db, ws.id, found.id)
            title = f"{found.title}: channels"
        else:
            ws = auth.find_workspace(db, workspace or "")
            channels = service.workspace_channels(db, ws.id)
            title = f"{ws.name}: channels"
        t = Translator(ws.default_language)
        table = Table(title=title)
        for column in ("id", "kind", "name"):
            table.add_column(column)
        for c in channels:
            table.add_row(str(c.id), c.kind, service.channel_name(c, t))
    cli.out.print(table)


@channel_app.command("post")
def post(
    channel: Annotated[int, typer.Argument(help="The channel's id (see `livecrew channel list`).")],
    text: Annotated[str, typer.Option("--text", help="The message; @role and @name mention people.")],
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag key or label (repeat for several).")] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Post as this person (e-mail); without it, a system message.")
    ] = None,
) -> None:
    """Post a message to a channel."""
    from livecrew.comms import service
    from livecrew.comms.models import Channel
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.core.errors import NotFound

    with cli.database() as db:
        found = db.get(Channel, channel)
        if found is None:
            raise NotFound(f"no channel {channel}", key="err.no_channel", params={"channel": channel})
        author = auth.find_user_by_email(db, as_) if as_ else None
        if author is not None and author.workspace_id != found.workspace_id:
            raise NotFound(
                f"no channel {channel} in {author.email}'s workspace", key="err.no_channel", params={"channel": channel}
            )
        message = service.post(db, cli.CLOCK, found, text=text, author=author, tags=list(tag or []))
        line = f"posted message {message.id} to channel {found.id}" + (
            f" [{', '.join(message.tags)}]" if message.tags else ""
        )
    cli.out.print(line, markup=False)


@channel_app.command("read")
def read(
    channel: Annotated[int, typer.Argument(help="The channel's id.")],
    tag: Annotated[str | None, typer.Option("--tag", help="Only messages with this tag.")] = None,
    q: Annotated[str | None, typer.Option("--search", help="Words to find (either script).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
) -> None:
    """The channel's latest messages, newest last."""
    from livecrew.comms import service
    from livecrew.comms.models import Channel
    from livecrew.core import cli
    from livecrew.core.errors import NotFound

    with cli.database() as db:
        found = db.get(Channel, channel)
        if found is None:
            raise NotFound(f"no channel {channel}", key="err.no_channel", params={"channel": channel})
        lines = []
        for m in service.messages_dicts(db, service.list_messages(db, found, tag=tag, q=q, limit=limit)):
            who = m["author"]["name"] if m["author"] else "system"
            tags = f" [{', '.join(m['tags'])}]" if m["tags"] else ""
            lines.append(f"{m['id']:>6} {m['created_at'][:19]} {who}: {m['text']}{tags}")
    for line in lines:
        cli.out.print(line, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(channel_app, name="channel")
