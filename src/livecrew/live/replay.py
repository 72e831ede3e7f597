"""Replaying a show's event log into a new metrics engine, for the review (``review.service.build_review``). The log
is read as the database joins it (``log.log_arrays``) and decoded into logged records in one decoder call a batch;
rows that decoder refuses go the line path, row by row.

The live registry does not build a show's first state with it: the replay reads in seq order and its decoders take
rows nested beyond the ingest's bound that the line path rejects, so on a log not written by the ingest it may
differ from the registry's catch-up (position order, line path). See docs/live.md."""

from __future__ import annotations

from itertools import compress
from typing import Any

from sqlalchemy import Text, cast, select, true

from livecrew.live import events
from livecrew.live import log as event_log
from livecrew.live.engine import SessionEngine
from livecrew.live.events import LOGGED, CommentRecord, Rejection, SpeechRecord
from livecrew.live.models import LiveEvent

_COMMENTS = (CommentRecord, LOGGED[CommentRecord])
_IS_TEXT = frozenset((*_COMMENTS, SpeechRecord, LOGGED[SpeechRecord])).__contains__


def new_engine(show_id: str) -> SessionEngine:
    """The engine of a show's live state and of its replays: it does not drop duplicates (the log's unique key
    dropped them at ingest)."""
    return SessionEngine(show_id, dedupe=False)


def replay_engine(
    db: Any,
    show_id: str,
    texts: list[tuple[int, str, str]] | None = None,
    *,
    upto: int | None = None,
    rejected: list[Rejection] | None = None,
) -> SessionEngine:
    """A new engine fed the show's event log in seq order (the same engine as the live registry's): every row up
    to log position ``upto`` (``log_version``; None: the log's position when it starts).

    The log is read a batch at a time as one JSON array the database joins (``log.log_arrays``), by a thread of
    its own a batch or two ahead (``log.read_ahead``), and each array is decoded in one decoder call into logged
    records (``events.decode_logged_array``: no id or session made) that ``feed_logged`` takes. A batch that
    decoder refuses (a row of a sender the record decoder sends down the line path: an integer id, an RFC 3339
    ts...) is read again row by row and decoded as before (``events.decode_logged``), and the read goes on after
    it. The records are those ``replay_engine_lines`` gives, which this falls back to should a profile in the
    log be one the line decoder refuses (but for rows nested beyond the ingest's depth bound, which only an older
    ingest stored: the line path rejects them, the batch decoders take those up to their own recursion limit).
    With ``texts``, the comments and host lines met on the way are appended to it as ``(ts, type, text)`` (as
    ``texts_of_show``). With ``rejected``, the rows the line path rejects (left out, as the live registry leaves
    them out) are appended to it."""
    pos_max = event_log.head(db, show_id) if upto is None else upto
    engine = new_engine(show_id)
    found: list[tuple[int, str, str]] = []
    noting = found if texts is not None else None
    refused: list[Rejection] = []
    resume: tuple[int, int] | None = (0, 0)
    try:
        while resume is not None:
            resume = _replay_from(db, show_id, engine, pos_max, resume, noting, refused)
    except event_log.OrderDiffers:  # the log's seq order is not its position order: every row in seq order
        engine = new_engine(show_id)
        found.clear()
        refused.clear()
        _feed_rows(db, show_id, engine, event_log.Span(pos_upto=pos_max), noting, refused)
    if not all(events.profile_key_ok(key) for key in engine._profiles):
        return replay_engine_lines(db, show_id, texts, upto=pos_max, rejected=rejected)
    if texts is not None:
        texts.extend(found)
    if rejected is not None:
        rejected.extend(refused)
    return engine


def _noted(records: list[Any], found: list[tuple[int, str, str]] | None) -> list[Any]:
    """``records``, with their comments and host lines appended to ``found`` if given (picked out at C speed)."""
    if found is None:
        return records
    picked = compress(records, map(_IS_TEXT, map(type, records)))
    found.extend((r.ts, "comment" if type(r) in _COMMENTS else "speech", r.text) for r in picked)
    return records


def _replay_from(
    db: Any,
    show_id: str,
    engine: Any,
    pos_max: int,
    resume: tuple[int, int],
    found: list[tuple[int, str, str]] | None,
    rejected: list[Rejection],
) -> tuple[int, int] | None:
    """Feed ``engine`` the log from ``resume`` as arrays, up to the first batch the logged-record decoder refuses,
    which is fed row by row; where to go on from (None: the log is read)."""
    refused = None
    with event_log.read_ahead(event_log.log_arrays(db, show_id, pos_max, resume=resume)) as batches:
        for batch in batches:
            records = events.decode_logged_array(batch.text) if batch.longest <= events.MAX_EVENT_BYTES else None
            if records is None or len(records) != batch.rows:
                refused = batch
                break
            engine.feed_logged(_noted(records, found))
    if refused is None:
        return None
    _feed_rows(db, show_id, engine, refused.span, found, rejected)
    return refused.resume


def _feed_rows(
    db: Any,
    show_id: str,
    engine: SessionEngine,
    span: event_log.Span,
    found: list[tuple[int, str, str]] | None,
    rejected: list[Rejection],
) -> None:
    """Feed ``engine`` the rows of ``span`` read row by row and decoded as the line path does for rows the batch
    decoder refuses (``decode_logged``); rows the line path rejects are left out, as ever, and appended to
    ``rejected``."""
    for bodies in event_log.bodies_in_seq_order(db, show_id, span=span):
        engine.feed_many(_noted(events.decode_logged(bodies, rejected, session=show_id), found))


def replay_engine_lines(
    db: Any,
    show_id: str,
    texts: list[tuple[int, str, str]] | None = None,
    *,
    upto: int | None = None,
    rejected: list[Rejection] | None = None,
) -> SessionEngine:
    """``replay_engine`` line by line: each logged row (up to position ``upto`` when given) as JSON text through
    ``iter_records`` (the live registry's decoding, rejections included: appended to ``rejected``)."""
    engine = new_engine(show_id)
    last = 0
    while True:
        rows = db.execute(
            select(LiveEvent.seq, cast(LiveEvent.body, Text))
            .where(LiveEvent.show_id == show_id, LiveEvent.seq > last)
            .where(LiveEvent.pos <= upto if upto is not None else true())
            .order_by(LiveEvent.seq)
            .limit(100_000)
        ).all()
        if not rows:
            return engine
        last = rows[-1][0]
        refused: list[Rejection] = []
        records = events.iter_records("\n".join(r[1] for r in rows).encode(), refused, session=show_id)
        engine.feed_many(records if texts is None else _noted(list(records), texts))
        if rejected is not None:  # iter_records has filled it: feed_many took every record
            rejected.extend(refused)
