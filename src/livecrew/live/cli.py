"""``livecrew metrics``, ``livecrew replay`` and ``livecrew simulate``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer

BATCH = 5000
FileArg = Annotated[str, typer.Argument(help="A JSON Lines file, or - for stdin.")]


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    file = Path(path)
    if not file.is_file():
        raise typer.BadParameter(f"{path} does not exist or is not a file", param_hint="FILE")
    return file.read_bytes()


def _report_rejections(rejected: list[tuple[int, str]]) -> None:
    from livecrew.core import cli

    for line, error in rejected[:20]:
        cli.err.print(f"line {line}: {error}", highlight=False)
    if len(rejected) > 20:
        cli.err.print(f"… and {len(rejected) - 20} more rejected lines", highlight=False)


def metrics(
    file: Annotated[str, typer.Argument(help="A JSON Lines file of events (EVENTS.md), or - for stdin.")],
) -> None:
    """Print the metrics (METRICS.md) of every session in the file. Touches no database."""
    from livecrew.live.engine import compute_records
    from livecrew.live.events import BodyError, Rejection, iter_records

    data = _read(file)
    rejected: list[Rejection] = []
    try:
        sessions = compute_records(iter_records(data, rejected))
    except BodyError as exc:
        raise typer.BadParameter(str(exc), param_hint="FILE") from None
    if rejected:
        lines = [i + 1 for i, raw in enumerate(data.splitlines()) if raw.strip()]
        _report_rejections([(lines[r.index] if r.index < len(lines) else r.index, r.error) for r in rejected])
    result = {"sessions": sessions}
    option = orjson.OPT_INDENT_2 if sys.stdout.isatty() else 0
    sys.stdout.buffer.write(orjson.dumps(result, option=option) + b"\n")


def _find_show(show_id: str):  # type: ignore[no-untyped-def]
    from livecrew.core.errors import NotFound
    from livecrew.shows.public import Show

    def lookup(db):  # type: ignore[no-untyped-def]
        show = db.get(Show, show_id)
        if show is None:
            raise NotFound(
                f'no show with id "{show_id}" (see `livecrew show list`)', key="err.no_show", params={"id": show_id}
            )
        return show

    return lookup


def replay(
    file: Annotated[str, typer.Argument(help="A JSON Lines file of events, or - for stdin.")],
    show: Annotated[str, typer.Option("--show", help="The show to feed (its id).")],
) -> None:
    """Feed a file into a show through the same path as HTTP ingest (the show's id becomes the session)."""
    from livecrew.core import cli
    from livecrew.live import ingest
    from livecrew.live.events import BodyError, parse_body

    data = _read(file)
    accepted = duplicates = 0
    rejected: list[tuple[int, str]] = []
    lines = [raw for raw in data.splitlines() if raw.strip()]
    with cli.database() as db:
        target = _find_show(show)(db)
        for start in range(0, len(lines), BATCH):
            chunk = b"\n".join(lines[start : start + BATCH])
            try:
                parsed = parse_body(chunk, session=target.id)
            except BodyError as exc:
                rejected.append((start + 1, str(exc)))
                continue
            result = ingest.append(db, cli.CLOCK, target, parsed.events)
            db.commit()  # ingest commits per batch (see core.deps): the events are durable as they are read
            accepted += result.accepted
            duplicates += result.duplicates
            rejected.extend((start + r.index + 1, r.error) for r in [*parsed.rejected, *result.refused])
    _report_rejections(rejected)
    cli.out.print(f"accepted {accepted}, duplicates {duplicates}, rejected {len(rejected)}")
    if rejected and not accepted:
        raise typer.Exit(1)


def simulate(
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=24 * 60, help="Length of the show.")] = 60,
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same show.")] = 1,
    show: Annotated[str | None, typer.Option("--show", help="Play it live into this show (its id).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write JSON Lines here (default: stdout).")] = None,
    speed: Annotated[
        float,
        typer.Option(
            "--speed", min=0, help="With --show: 1 = real time, 10 = ten times faster, 0 = as fast as possible."
        ),
    ] = 1.0,
    incident: Annotated[
        list[str] | None,
        typer.Option("--incident", help="KIND@MINUTE[+SECONDS]: storm, silence, stockout or compliance. Repeatable."),
    ] = None,
    session: Annotated[str, typer.Option("--session", help="The session name in the file.")] = "sim",
) -> None:
    """A realistic simulated show as JSON Lines (EVENTS.md), to a file or live into a show."""
    from livecrew.simulate import generate, parse_incident, play

    try:
        incidents = tuple(parse_incident(i) for i in incident or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--incident") from None
    if show is None:
        stream = generate(minutes=minutes, seed=seed, session=session, incidents=incidents)
        target = out.open("wb") if out else sys.stdout.buffer
        try:
            for event in stream:
                target.write(orjson.dumps(event) + b"\n")
        finally:
            if out:
                target.close()
        return
    _feed_show(show, generate(minutes=minutes, seed=seed, session=show, incidents=incidents), speed, play)


def _feed_show(show_id: str, stream, speed: float, play) -> None:  # type: ignore[no-untyped-def]
    from livecrew.core import cli
    from livecrew.live import ingest
    from livecrew.live.events import parse_body

    total = 0
    with cli.database() as db:
        target = _find_show(show_id)(db)
        if target.status != "live":
            cli.err.print(f'note: the show is "{target.status}"; alerts run only while it is live', highlight=False)
        pending: list[bytes] = []
        last_flush = time.monotonic()
        for wait, event in play(stream, speed):
            if wait > 0:
                time.sleep(wait)
            pending.append(orjson.dumps(event))
            if len(pending) >= BATCH or time.monotonic() - last_flush >= 0.5:
                total += _flush(db, target, pending, ingest, parse_body)
                pending, last_flush = [], time.monotonic()
        total += _flush(db, target, pending, ingest, parse_body)
    cli.out.print(f"fed {total} events into {show_id}")


def _flush(db, target, pending, ingest, parse_body) -> int:  # type: ignore[no-untyped-def]
    from livecrew.core import cli

    if not pending:
        return 0
    parsed = parse_body(b"\n".join(pending), session=target.id)
    result = ingest.append(db, cli.CLOCK, target, parsed.events)
    db.commit()  # ingest: durable before the command reports it (see core.deps)
    return int(result.accepted)


def adapt(
    platform: Annotated[str, typer.Argument(help="The platform: douyin (webcast messages and Compass live_order).")],
    file: FileArg,
    session: Annotated[str, typer.Option("--session", help="The session name to put on every event.")] = "douyin",
) -> None:
    """Turn recorded platform messages (JSON Lines) into EVENTS.md events on stdout."""
    from livecrew.core import cli
    from livecrew.live.adapters import douyin

    if platform != "douyin":
        raise typer.BadParameter(f'unknown platform "{platform}"; livecrew knows: douyin', param_hint="PLATFORM")
    messages = []
    for number, raw in enumerate(_read(file).splitlines(), start=1):
        if raw.strip():
            try:
                messages.append(orjson.loads(raw))
            except orjson.JSONDecodeError:
                cli.err.print(f"line {number}: not JSON, skipped", highlight=False)
                messages.append(None)
    result = douyin.adapt(messages)
    for event in result.events:
        sys.stdout.buffer.write(orjson.dumps({**event, "session": session}) + b"\n")
    for index, reason in result.skipped:
        cli.err.print(f"message {index + 1}: skipped ({reason})", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("adapt")(adapt)
    app.command("metrics")(metrics)
    app.command("replay")(replay)
    app.command("simulate")(simulate)
