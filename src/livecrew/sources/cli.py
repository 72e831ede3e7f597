"""``livecrew connect``: feed a platform's live stream into a show, from this machine."""

from __future__ import annotations

from typing import Annotated

import typer


def connect(
    platform: Annotated[str, typer.Argument(help="tiktok or facebook")],
    username: Annotated[str | None, typer.Argument(help="TikTok: the host's @username")] = None,
    show: Annotated[str, typer.Option("--show", help="The show (its id) the events go into.")] = "",
    live_video: Annotated[str | None, typer.Option("--live-video", help="Facebook: the live video's id.")] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Facebook: an access token for the live video (never printed).")
    ] = None,
    graph_url: Annotated[
        str | None, typer.Option("--graph-url", help="Facebook: the Graph API's streaming address.")
    ] = None,
    diamond_value: Annotated[
        str,
        typer.Option(
            "--diamond-value",
            help="TikTok: a diamond's value in the workspace currency's ordinary unit (0.01 = one cent).",
        ),
    ] = "0.01",
    api: Annotated[
        str | None,
        typer.Option("--api", help="Feed a livecrew server over HTTP (another machine), e.g. https://lc.example"),
    ] = None,
    api_token: Annotated[str | None, typer.Option("--api-token", help="With --api: a livecrew API token.")] = None,
) -> None:
    """Read a platform's live stream and feed it into a show (stable ids: a reconnect never counts twice)."""
    import asyncio

    from livecrew.core import cli, money
    from livecrew.shows.public import workspace_of_show
    from livecrew.sources import service
    from livecrew.sources.base import SourceState, run
    from livecrew.sources.runners import connectors_for
    from livecrew.sources.sinks import DatabaseSink, HttpSink

    if platform not in service.PLATFORMS:
        raise typer.BadParameter(
            f'unknown platform "{platform}"; livecrew connects to: {", ".join(service.PLATFORMS)}',
            param_hint="PLATFORM",
        )
    if not show:
        raise typer.BadParameter("name the show the events go into", param_hint="--show")
    if platform == "facebook":
        if not live_video or not token:
            raise typer.BadParameter("Facebook needs --live-video ID and --token TOKEN", param_hint="--live-video")
        target, secret = live_video, token
    else:
        if not username:
            raise typer.BadParameter("TikTok needs the host's @username", param_hint="USERNAME")
        target, secret = username, ""
    if api and not api_token:
        raise typer.BadParameter("--api needs --api-token (create one with `livecrew token create`)")
    try:
        diamond_minor = money.parse(diamond_value, maximum=100_000)
    except money.MoneyError as exc:
        raise typer.BadParameter(exc.message, param_hint="--diamond-value") from None
    options: dict[str, object] = {"graph_url": graph_url, "diamond_value": diamond_minor}
    connectors = connectors_for(platform, target, cli.CLOCK, token=secret, options=options)
    state = SourceState()
    last = [0.0]

    async def on_change(current: SourceState) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - last[0] >= 5 or current.status in ("failed", "stopped"):
            last[0] = loop.time()
            cli.err.print(
                f"{platform} {target}: {current.status}, {current.events} events, {current.duplicates} duplicates, "
                f"{current.reconnects} reconnects, {current.garbage} unreadable",
                highlight=False,
            )

    try:
        if api:
            asyncio.run(run(connectors, HttpSink(api, api_token or "", show), state, cli.CLOCK, on_change=on_change))
        else:
            with cli.database() as db:
                if workspace_of_show(db, show) is None:
                    raise cli.fail(f'no show with id "{show}"')
                db.commit()
                asyncio.run(run(connectors, DatabaseSink(db, cli.CLOCK, show), state, cli.CLOCK, on_change=on_change))
    except KeyboardInterrupt:
        pass
    if state.status == "failed":
        raise cli.fail(state.last_error)
    cli.out.print(f"fed {state.events} events into {show} ({state.duplicates} duplicates)")


def register(app: typer.Typer) -> None:
    app.command("connect")(connect)
