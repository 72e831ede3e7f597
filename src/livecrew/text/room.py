"""The text engine in the live room: labels for the comment feed, question cue cards per show.

In memory, per process: labels are recomputed from the log when a process starts (they are a pure
function of the text and the workspace's lexicon), cue cards are rebuilt from the comments the process sees.
The ingest listener scans each new comment inside the transaction and hands its hits over (``remember``), so
labelling after the commit does not scan it a second time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from livecrew.text.compliance import Hit, Lexicon, default_lexicon
from livecrew.text.cues import CueBoard
from livecrew.text.triage import Flood, triage


@dataclass
class RoomText:
    board: CueBoard = field(default_factory=CueBoard)
    flood: Flood = field(default_factory=Flood)
    lock: threading.Lock = field(default_factory=threading.Lock)
    lexicon: Lexicon | None = None  # the workspace's lexicon as of the newest ingest
    hits: dict[str, list[Hit]] = field(default_factory=dict)  # event id → audience hits, until labelled


# Hits of comments that were never labelled (a rolled-back ingest, a replay without a live room) are dropped
# oldest first beyond this many per show.
MAX_PENDING = 10_000


_ROOMS: dict[str, RoomText] = {}
_GUARD = threading.Lock()


def room_of(show_id: str) -> RoomText:
    with _GUARD:
        room = _ROOMS.get(show_id)
        if room is None:
            room = _ROOMS[show_id] = RoomText()
        return room


def remember(show_id: str, hits: dict[str, list[Hit]], lexicon: Lexicon) -> None:
    """The ingest listener's audience hits per comment event id, and the lexicon it used."""
    room = room_of(show_id)
    with room.lock:
        room.lexicon = lexicon
        room.hits.update(hits)
        for _ in range(len(room.hits) - MAX_PENDING):
            room.hits.pop(next(iter(room.hits)))


def label(
    comment: dict[str, Any],
    room: RoomText | None = None,
    *,
    hits: list[Hit] | None = None,
    lexicon: Lexicon | None = None,
) -> dict[str, Any]:
    """Add ``label``, ``topic`` and ``why`` to a comment dict (``text``, ``user``, ``ts``). Pass the audience
    ``hits`` when the comment was scanned already, else it is scanned with ``lexicon`` (default: the room's
    workspace lexicon, or the shipped one)."""
    text = str(comment.get("text", ""))
    if hits is None:
        chosen = lexicon or (room.lexicon if room is not None else None) or default_lexicon()
        hits = chosen.scan(text, "audience")
    result = triage(text, hits=hits, room=room.flood if room else None, user=comment.get("user"), ts=comment.get("ts"))
    comment.update(label=result.label, topic=result.topic, why=result.why)
    if hits:
        comment["hits"] = [h.to_dict() for h in hits]
    return comment


def annotate(show_id: str, comments: list[dict[str, Any]], explaining: str | None) -> bool:
    """Label new comments and feed questions to the show's cue board. True when the cards changed."""
    room = room_of(show_id)
    changed = False
    with room.lock:
        for comment in comments:
            label(comment, room, hits=room.hits.pop(str(comment.get("id", "")), None))
            if comment["label"] == "question":
                comment["card"] = room.board.add(
                    comment["text"], "question", comment["topic"], explaining, int(comment.get("ts") or 0)
                )
                changed = True
    return changed


def cards(show_id: str, n: int = 6) -> list[dict[str, Any]]:
    room = room_of(show_id)
    with room.lock:
        return [c.to_dict() for c in room.board.top(n)]


def answer(show_id: str, card_id: str, ts: int) -> dict[str, Any]:
    room = room_of(show_id)
    with room.lock:
        return room.board.answer(card_id, ts).to_dict()
