"""``livecrew notify ...``: list targets, send a test message, run the relay (once, or as a process of its own)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

notify_app = typer.Typer(help="Pushes to chat apps (推送): targets, test messages, the outbox relay.",
                         no_args_is_help=True)  # fmt: skip


@notify_app.command("targets")
def targets(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
) -> None:
    """List the workspace's push targets, their state and what waits for them (secrets are never shown)."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.notify import service
    from livecrew.notify.platforms import mask_url

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        rows = service.list_targets(db, ws)
        counts = service.waiting_counts(db, ws)
        table = Table(title=f"{ws.name}: {len(rows)} push target(s)")
        for column in ("id", "kind", "name", "address", "routes", "state", "waiting", "sent", "dead"):
            table.add_column(column, overflow="fold")
        for t in rows:
            c = counts.get(t.id, {})
            routes = ",".join(t.channels) + (f" #{','.join(t.tags)}" if t.tags else "")
            routes += f" [{','.join(t.severities)}]" if t.severities else ""
            state = t.status if t.enabled else "off"
            if t.broken_reason:
                state += f": {t.broken_reason}"
            table.add_row(
                str(t.id), t.kind, t.name, mask_url(t.url), routes, state,
                str(c.get("pending", 0) + c.get("failed", 0)), str(c.get("sent", 0)), str(c.get("dead", 0)),
            )  # fmt: skip
    cli.out.print(table)


@notify_app.command("test")
def test(target_id: Annotated[int, typer.Argument(help="The target's id (see `livecrew notify targets`).")]) -> None:
    """Send a test message to one target now and print what the platform answered."""
    from livecrew.core import cli
    from livecrew.core.auth.models import Workspace
    from livecrew.core.db import make_sessionmaker
    from livecrew.core.errors import NotFound
    from livecrew.notify import service
    from livecrew.notify.models import NotifyDelivery, NotifyTarget
    from livecrew.notify.relay import Relay, words_for

    with cli.database() as db:
        target = db.get(NotifyTarget, target_id)
        if target is None:
            raise NotFound(f"no push target {target_id}", key="err.no_push_target", params={"id": target_id})
        ws = db.get(Workspace, target.workspace_id)
        words = words_for(ws.default_language if ws else "en")
        delivery = service.add_test_message(db, cli.CLOCK, target, words.test)
        delivery_id = delivery.id
        db.commit()
        relay = Relay(make_sessionmaker(db.get_bind()), cli.CLOCK)  # type: ignore[arg-type]
        try:
            relay.work_target(target_id)
        finally:
            relay.close()
        db.expire_all()
        fresh = db.get(NotifyDelivery, delivery_id)
        target = db.get(NotifyTarget, target_id)
        assert fresh is not None and target is not None
        status, error, target_status, reason = fresh.status, fresh.last_error, target.status, target.broken_reason
    if status == "sent":
        cli.out.print(f"test message delivered to target {target_id}")
        return
    message = f"test message not delivered ({status})" + (f": {error}" if error else "")
    if target_status == "broken":
        message += f"; the target is marked broken: {reason}"
    raise cli.fail(message)


@notify_app.command("relay")
def relay(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit.")] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between looks at the outbox.", min=0.1)] = 1.0,
) -> None:
    """Deliver the outbox. The server does this itself; on PostgreSQL more relays may run beside it."""
    from livecrew.core import cli
    from livecrew.core.db import make_sessionmaker
    from livecrew.notify.relay import Relay, summary

    with cli.database() as db:
        sessions = make_sessionmaker(db.get_bind())  # type: ignore[arg-type]
    worker = Relay(sessions, cli.CLOCK)
    try:
        if once:
            result = worker.run_until_idle()
            cli.out.print(summary(result))
            return
        while True:  # pragma: no cover - runs until stopped
            worker.run_pass()
            time.sleep(poll)
    finally:
        worker.close()


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
