"""A fair, auditable lucky-bag draw (福袋).

The eligible list is frozen: de-duplicated, sorted, and fingerprinted with SHA-256. The seed is
recorded. Winners are then picked by a partial Fisher–Yates shuffle whose random numbers come from
HMAC-SHA256(key=seed, message=digest || counter), with rejection sampling so that every eligible
person has exactly the same chance. Anyone holding the list and the seed can re-run the draw with
a few lines of standard-library Python and must get the same winners:

    import hashlib, hmac
    people = sorted(set(eligible)); digest = hashlib.sha256("\\n".join(people).encode()).hexdigest()
    counter = 0
    def below(n):          # an unbiased integer in [0, n)
        global counter
        while True:
            block = hmac.new(seed.encode(), f"{digest}:{counter}".encode(), "sha256").digest(); counter += 1
            value = int.from_bytes(block[:8], "big"); limit = (2**64 // n) * n
            if value < limit: return value % n
    for i in range(min(k, len(people))):
        j = i + below(len(people) - i); people[i], people[j] = people[j], people[i]
    winners = people[:k]
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

ALGORITHM = "sha256-list/hmac-sha256-fisher-yates/v1"


@dataclass(frozen=True)
class DrawResult:
    eligible_digest: str
    eligible_count: int
    seed: str
    algorithm: str
    winners: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DrawResult:
        return cls(
            eligible_digest=str(data["eligible_digest"]),
            eligible_count=int(data["eligible_count"]),
            seed=str(data["seed"]),
            algorithm=str(data["algorithm"]),
            winners=[str(w) for w in data["winners"]],
        )


def new_seed() -> str:
    return secrets.token_hex(16)


def freeze(eligible: Sequence[str]) -> tuple[list[str], str]:
    """The canonical list (each person once, sorted) and its SHA-256 fingerprint."""
    people = sorted({str(p).strip() for p in eligible if str(p).strip()})
    digest = hashlib.sha256("\n".join(people).encode("utf-8")).hexdigest()
    return people, digest


class _Stream:
    def __init__(self, seed: str, digest: str) -> None:
        self._key = seed.encode("utf-8")
        self._digest = digest
        self._counter = 0

    def below(self, n: int) -> int:
        limit = (2**64 // n) * n
        while True:
            block = hmac.new(self._key, f"{self._digest}:{self._counter}".encode(), hashlib.sha256).digest()
            self._counter += 1
            value = int.from_bytes(block[:8], "big")
            if value < limit:
                return value % n


def draw(eligible: Sequence[str], winners: int, seed: str) -> DrawResult:
    """Pick ``winners`` people. When fewer are eligible, everyone eligible wins."""
    if winners <= 0:
        raise ValueError("the number of winners must be at least 1")
    if not seed:
        raise ValueError("a draw needs a seed (use new_seed())")
    people, digest = freeze(eligible)
    if not people:
        raise ValueError("nobody is eligible for this draw")
    stream = _Stream(seed, digest)
    picks = min(winners, len(people))
    for i in range(picks):
        j = i + stream.below(len(people) - i)
        people[i], people[j] = people[j], people[i]
    return DrawResult(digest, len(set(people)), seed, ALGORITHM, people[:picks])


def verify(result: DrawResult, eligible: Sequence[str] | None = None) -> bool:
    """True when the recorded winners follow from the recorded seed (and, if given, the frozen list)."""
    if result.algorithm != ALGORITHM:
        return False
    if eligible is None:
        return bool(result.winners) and len(result.winners) <= result.eligible_count
    people, digest = freeze(eligible)
    if digest != result.eligible_digest:
        return False
    return draw(people, len(result.winners), result.seed).winners == result.winners
