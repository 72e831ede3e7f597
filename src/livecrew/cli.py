"""The ``livecrew`` command line (Typer + Rich). Commands are thin: they call the same services as the API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from livecrew import __version__
from livecrew.core.cli import CLOCK, database, err, fail, out
from livecrew.core.cli import settings as _settings
from livecrew.core.plugins import loaded

__all__ = ["CLOCK", "app", "database", "err", "fail", "main", "out"]

app = typer.Typer(
    name="livecrew",
    help="livecrew: the operating system for live-commerce teams (直播電商團隊作業系統).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (an agency or a brand).", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machines.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(workspace_app, name="workspace")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"livecrew {__version__}")
        raise typer.Exit()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    simulate: Annotated[
        str | None,
        typer.Option(help='Play a simulated live show into a show id, or "demo" for the demo\'s ready show.'),
    ] = None,
) -> None:
    """Run the web console and the API (migrating the database first)."""
    import uvicorn

    from livecrew.core.migrate import upgrade

    settings = _settings()
    settings.ensure_data_dir()
    try:
        upgrade(settings.resolved_database_url)
    except Exception as exc:
        raise fail(f"could not migrate the database: {exc}") from None
    out.print(f"livecrew {__version__} on [bold]http://{host}:{port}[/]  (API reference: /docs)")
    if reload:
        uvicorn.run("livecrew.app:create_app", factory=True, host=host, port=port, reload=True, proxy_headers=False)
    else:
        from livecrew.app import create_app, warm_up

        application = create_app(settings)
        warm_up(application)  # before listening: the first batch of a feed does not wait for it
        if simulate:
            application.state.simulate = {"show": simulate}
            out.print("a simulated live show is playing: open the control room under Live (直播間)")
        # Forwarded headers are the app's business (LIVECREW_TRUSTED_PROXIES): uvicorn trusts them from the
        # loopback by default, which would let any local client pick the address the sign-in throttle sees.
        uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from livecrew.core.migrate import heads, upgrade

    settings = _settings()
    settings.ensure_data_dir()
    url = settings.resolved_database_url
    try:
        upgrade(url)
    except Exception as exc:
        raise fail(f"could not migrate the database: {exc}") from None
    out.print(f"database is at revision {', '.join(heads(url))}")


@app.command()
def demo() -> None:
    """Seed the demo workspace (safe to run again) and print its logins."""
    from rich.table import Table

    from livecrew.demo import DEMO_PASSWORD, seed_demo

    with database() as db:
        workspace, logins, created = seed_demo(db, CLOCK)
    table = Table(title=f"{workspace.name}  ({workspace.id})" + ("" if created else "  — already there"))
    table.add_column("e-mail")
    table.add_column("name")
    table.add_column("roles")
    for login in logins:
        table.add_row(login.email, login.name, ", ".join(login.roles))
    out.print(table)
    out.print(f"password for every demo login: [bold]{DEMO_PASSWORD}[/]")


@workspace_app.command("create")
def workspace_create(
    name: Annotated[str, typer.Argument(help="The agency's or brand's name.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code, e.g. TWD, CNY, HKD.")] = "TWD",
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Taipei.")] = "Asia/Taipei",
    language: Annotated[str, typer.Option(help="Default language: zh-Hant, zh-Hans or en.")] = "zh-Hant",
) -> None:
    """Create a workspace and print its id."""
    from livecrew.core.auth import service

    with database() as db:
        workspace = service.create_workspace(
            db, CLOCK, name, currency=currency, timezone=timezone, default_language=language
        )
        workspace_id = workspace.id
    typer.echo(workspace_id)


@user_app.command("create")
def user_create(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    email: Annotated[str, typer.Option("--email", help="Sign-in e-mail address.")],
    password: Annotated[str, typer.Option("--password", help="At least 8 characters.")],
    role: Annotated[list[str], typer.Option("--role", help="owner or a team role; repeat for several.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (default: from the e-mail).")] = None,
) -> None:
    """Add a person with one or more roles."""
    from livecrew.core.auth import service
    from livecrew.core.auth.roles import parse_role

    for value in role:
        try:
            parse_role(value)
        except ValueError as exc:
            raise fail(str(exc), 2) from None
    with database() as db:
        ws = service.find_workspace(db, workspace)
        user = service.create_user(
            db,
            CLOCK,
            ws,
            email=email,
            display_name=name or email.split("@", 1)[0],
            password=password,
            roles=role,
        )
        summary = f"{user.email} ({', '.join(user.role_keys)}) in {ws.name}: {user.id}"
    out.print(summary, highlight=False)


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option("--email", help="The user the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="A label, e.g. douyin-adapter.")] = "cli",
    days: Annotated[int | None, typer.Option("--days", help="Expire after N days (default: never).", min=1)] = None,
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="The workspace, when the address is a person in several.")
    ] = None,
) -> None:
    """Print a new API token for that user, and nothing else."""
    from livecrew.core.auth import service

    with database() as db:
        ws = service.find_workspace(db, workspace) if workspace else None
        user = service.find_user_by_email(db, email, ws)
        _token, secret = service.create_token(db, CLOCK, user, name=name, days=days)
    sys.stdout.write(secret + "\n")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (see `livecrew token list`).")],
) -> None:
    """Revoke an API token."""
    from livecrew.core.auth.models import ApiToken

    with database() as db:
        token = db.get(ApiToken, token_id)
        if token is None:
            raise fail(f'no API token with id "{token_id}"')
        token.revoked_at = CLOCK.now()
    out.print(f"revoked {token_id}")


@token_app.command("list")
def token_list(
    email: Annotated[str, typer.Option("--email", help="Whose tokens.")],
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="The workspace, when the address is a person in several.")
    ] = None,
) -> None:
    """List a user's API tokens (never their secrets)."""
    from datetime import UTC

    from rich.table import Table

    from livecrew.core.auth import service

    with database() as db:
        user = service.find_user_by_email(db, email, service.find_workspace(db, workspace) if workspace else None)
        ws = service.get_workspace(db, user.workspace_id)
        tokens = service.list_tokens(db, ws, user=user)
        table = Table()
        for column in ("id", "name", "starts with", "created", "state"):
            table.add_column(column)
        now = CLOCK.now()
        for t in tokens:
            state = "revoked" if t.revoked_at else ("expired" if t.expires_at and t.expires_at <= now else "valid")
            table.add_row(t.id, t.name, t.prefix + "…", t.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), state)
    out.print(table)


@app.command()
def permissions() -> None:
    """Print the role x action permission table as Markdown (docs/permissions.md)."""
    from livecrew.core.auth.permissions import render_markdown

    sys.stdout.write(render_markdown())


def _register_features() -> None:
    for register in loaded("cli"):
        register(app)


_register_features()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
