"""The relay: takes messages from the outbox and delivers them, target by target.

One request at a time per target: a relay leases the target (so its rate limit is counted by one writer), checks
the platform's limits against the requests it made, claims the oldest waiting messages (merged into one digest
when more are waiting than the limit lets through), commits the claim, makes the request outside any
transaction, then records what the platform answered. A relay that dies between the two leaves leases that run
out: another relay (or the same one restarted) takes the messages again — delivery is at least once.

PostgreSQL: several processes share the outbox; rows are picked with ``FOR UPDATE SKIP LOCKED`` and then
claimed with a compare-and-set on their lease, so two relays never send the same claim. SQLite: one relay per
process (the server's job); the claims use the same compare-and-set under SQLite's single writer.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import Clock
from livecrew.core.logging import get_logger
from livecrew.core.pubsub import publish_after_commit, workspace_channel
from livecrew.notify.models import DeliveryStatus, NotifyDelivery, NotifySend, NotifyTarget, TargetStatus
from livecrew.notify.platforms import PLATFORMS, Item, Outcome, Platform, Result, Target, Words, rendered_size

log = get_logger(__name__)
# httpx logs every request with its address at INFO; addresses carry tokens (Telegram, DingTalk): never log them.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

LEASE_SECONDS = 60.0  # longer than a request can take (connect 5 s + read 10 s)
MAX_ATTEMPTS = 12  # failed tries (5xx, timeouts, refusals) before a message is given up ("dead")
BACKOFF_BASE = 1.0
BACKOFF_CAP = 600.0
STEPS_PER_TARGET = 50  # requests one pass makes to one target before it lets the others have a turn
PRUNE_EVERY = 500  # requests between two clean-ups of old request rows
SENDS_KEPT_DAYS = 7
WAITING = (DeliveryStatus.pending.value, DeliveryStatus.failed.value)


def backoff(attempt: int, rng: random.Random) -> float:
    """Exponential with jitter: half of 2^(n-1) s (capped at ten minutes) plus a random share of the rest."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, attempt - 1))
    return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


def available(platform: Platform, sent_at: Sequence[datetime], now: datetime) -> tuple[int, datetime | None]:
    """How many requests the platform's limits let through now, and (when none) from when the next one may go.

    ``sent_at`` are the target's requests within the longest window. Windows slide: no span of ``seconds`` ever
    holds more than ``requests``.
    """
    room = 1_000_000
    free_at: datetime | None = None
    for limit in platform.limits:
        start = now - timedelta(seconds=limit.seconds)
        inside = sorted(t for t in sent_at if t > start)
        left = limit.requests - len(inside)
        room = min(room, left)
        if left <= 0:
            # The window frees a place when its oldest requests (all but the last limit-1) have slid out.
            oldest = inside[len(inside) - limit.requests]
            at = oldest + timedelta(seconds=limit.seconds)
            free_at = at if free_at is None or at > free_at else free_at
    return max(0, room), free_at


@dataclass
class Batch:
    token: str
    target: Target
    platform: Platform
    items: list[Item]
    words: Words
    send_id: int
    workspace_id: str


@dataclass
class PassResult:
    requests: int = 0
    delivered: int = 0
    failed: int = 0
    outcomes: list[str] = field(default_factory=list)


class Relay:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        rng: random.Random | None = None,
        workers: int = 4,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)))
        self.rng = rng or random.Random()
        self.workers = workers
        self.owner = uuid.uuid4().hex[:12]
        self._words: dict[str, Words] = {}  # per workspace (its language); a relay lives as long as its process

    def close(self) -> None:
        self.client.close()

    # -------------------------------------------------------------- passes

    def run_pass(self) -> PassResult:
        """Work every target that has something due now; returns what was done."""
        result = PassResult()
        targets = self.due_targets()
        if not targets:
            return result
        if self.workers <= 1 or len(targets) == 1:
            parts = [self.work_target(t) for t in targets]
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(targets))) as pool:
                parts = list(pool.map(self.work_target, targets))
        for part in parts:
            result.requests += part.requests
            result.delivered += part.delivered
            result.failed += part.failed
            result.outcomes += part.outcomes
        return result

    def run_until_idle(self, *, max_passes: int = 10_000) -> PassResult:
        total = PassResult()
        for _ in range(max_passes):
            part = self.run_pass()
            if part.requests == 0:
                break
            total.requests += part.requests
            total.delivered += part.delivered
            total.failed += part.failed
            total.outcomes += part.outcomes
        return total

    def work_target(self, target_id: int) -> PassResult:
        result = PassResult()
        for _ in range(STEPS_PER_TARGET):
            batch = self.claim(target_id)
            if batch is None:
                break
            outcome = self.send(batch)
            self.record(batch, outcome)
            result.requests += 1
            result.outcomes.append(outcome.result.value)
            if outcome.result is Result.sent:
                result.delivered += len(batch.items)
            else:
                result.failed += len(batch.items)
                break
        return result

    def due_targets(self) -> list[int]:
        now = self.clock.now()
        with self.sessions() as db:
            rows = db.scalars(
                select(NotifyDelivery.target_id)
                .join(NotifyTarget, NotifyTarget.id == NotifyDelivery.target_id)
                .where(
                    NotifyDelivery.status.in_(WAITING),
                    NotifyDelivery.next_attempt_at <= now,
                    or_(NotifyDelivery.lease_until.is_(None), NotifyDelivery.lease_until < now),
                    NotifyTarget.status == TargetStatus.ok.value,
                    NotifyTarget.enabled.is_(True),
                    or_(NotifyTarget.next_send_at.is_(None), NotifyTarget.next_send_at <= now),
                    or_(NotifyTarget.lease_until.is_(None), NotifyTarget.lease_until < now),
                )
                .distinct()
            )
            return sorted(rows)

    def next_due(self) -> datetime | None:
        """When something next becomes due (a backoff or a rate limit ending), if anything waits."""
        with self.sessions() as db:
            rows = db.execute(
                select(NotifyTarget.next_send_at, func.min(NotifyDelivery.next_attempt_at))
                .join(NotifyTarget, NotifyTarget.id == NotifyDelivery.target_id)
                .where(NotifyDelivery.status.in_(WAITING), NotifyTarget.status == TargetStatus.ok.value,
                       NotifyTarget.enabled.is_(True))
                .group_by(NotifyTarget.id, NotifyTarget.next_send_at)
            ).all()  # fmt: skip
        # A target's messages are due when both the earliest message and the target itself allow it.
        times = [max(t for t in (target_at, message_at) if t is not None) for target_at, message_at in rows]
        return min(times) if times else None

    def release_leases(self) -> None:
        """Drop every lease (only when this is the one relay on the database: SQLite, at start)."""
        with self.sessions() as db:
            db.execute(update(NotifyDelivery).where(NotifyDelivery.lease_until.is_not(None))
                       .values(lease_until=None, claim=None))  # fmt: skip
            db.execute(update(NotifyTarget).where(NotifyTarget.lease_until.is_not(None))
                       .values(lease_until=None, lease_owner=None))  # fmt: skip
            db.commit()

    # -------------------------------------------------------------- one request

    def claim(self, target_id: int) -> Batch | None:
        token = f"{self.owner}-{uuid.uuid4().hex[:12]}"
        with self.sessions() as db:
            now = self.clock.now()
            pg = db.get_bind().dialect.name == "postgresql"
            if pg:
                locked = db.scalar(
                    select(NotifyTarget.id).where(NotifyTarget.id == target_id).with_for_update(skip_locked=True)
                )
                if locked is None:
                    return None
            lease_until = now + timedelta(seconds=LEASE_SECONDS)
            taken = db.execute(
                update(NotifyTarget)
                .where(
                    NotifyTarget.id == target_id,
                    NotifyTarget.status == TargetStatus.ok.value,
                    NotifyTarget.enabled.is_(True),
                    or_(NotifyTarget.lease_until.is_(None), NotifyTarget.lease_until < now),
                    or_(NotifyTarget.next_send_at.is_(None), NotifyTarget.next_send_at <= now),
                )
                .values(lease_owner=token, lease_until=lease_until)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                db.rollback()
                return None
            target = db.get(NotifyTarget, target_id)
            assert target is not None
            platform = PLATFORMS[target.kind]
            due = (
                NotifyDelivery.target_id == target_id,
                NotifyDelivery.status.in_(WAITING),
                NotifyDelivery.next_attempt_at <= now,
                or_(NotifyDelivery.lease_until.is_(None), NotifyDelivery.lease_until < now),
            )
            longest = max((limit.seconds for limit in platform.limits), default=0)
            recent = list(
                db.scalars(
                    select(NotifySend.at).where(
                        NotifySend.target_id == target_id, NotifySend.at > now - timedelta(seconds=longest)
                    )
                )
            ) if longest else []  # fmt: skip
            room, free_at = available(platform, recent, now)
            if room <= 0:
                target.next_send_at = free_at
                self._unlease(target, token)
                db.commit()
                return None
            waiting = db.scalar(select(func.count()).select_from(NotifyDelivery).where(*due)) or 0
            if waiting == 0:
                self._unlease(target, token)
                db.commit()
                return None
            # One message per request while the limit lets them all through; beyond that, the oldest ones
            # go together in one digest so that the rest still fit the limit. A webhook takes a list anyway.
            if platform.batches:
                take = min(platform.max_items, waiting)
            else:
                take = 1 if waiting <= room else min(platform.max_items, waiting - room + 1)
            query = select(NotifyDelivery).where(*due).order_by(NotifyDelivery.id).limit(take)
            if pg:
                query = query.with_for_update(skip_locked=True)
            rows = list(db.scalars(query))
            chosen: list[NotifyDelivery] = []
            size = 0
            for row in rows:
                piece = rendered_size(_item(row), single=len(rows) == 1)
                if chosen and size + piece > platform.max_bytes:
                    break
                chosen.append(row)
                size += piece
            if chosen:
                db.execute(
                    update(NotifyDelivery)
                    .where(NotifyDelivery.id.in_([r.id for r in chosen]), *due[1:])
                    .values(claim=token, lease_until=lease_until)
                    .execution_options(synchronize_session=False)
                )
            claimed = list(
                db.scalars(
                    select(NotifyDelivery)
                    .where(NotifyDelivery.claim == token)
                    .order_by(NotifyDelivery.id)
                    .execution_options(populate_existing=True)
                )
            )
            if not claimed:
                self._unlease(target, token)
                db.commit()
                return None
            send = NotifySend(target_id=target_id, at=now, messages=len(claimed), outcome="")
            db.add(send)
            db.flush()
            words = self._words.get(target.workspace_id)
            if words is None:
                workspace = db.get(Workspace, target.workspace_id)
                words = self._words[target.workspace_id] = words_for(workspace.default_language if workspace else "en")
            batch = Batch(
                token=token,
                target=Target(target.id, target.kind, target.url, target.secret, target.chat_id),
                platform=platform,
                items=[_item(r) for r in claimed],
                words=words,
                send_id=send.id,
                workspace_id=target.workspace_id,
            )
            db.commit()
            return batch

    def send(self, batch: Batch) -> Outcome:
        prepared = batch.platform.build(batch.target, batch.items, batch.words, self.clock.now())
        try:
            response = self.client.request(
                prepared.method, prepared.url, headers=prepared.headers, content=prepared.body
            )
        except httpx.TimeoutException:
            return Outcome(Result.retry, "timed out waiting for the platform")
        except httpx.ConnectError as exc:
            return Outcome(Result.retry, f"could not connect: {_reason(exc)}")
        except httpx.HTTPError as exc:
            return Outcome(Result.retry, f"{type(exc).__name__}: {_reason(exc)}")
        return batch.platform.read(response)

    def record(self, batch: Batch, outcome: Outcome) -> None:
        with self.sessions() as db:
            now = self.clock.now()
            target = db.get(NotifyTarget, batch.target.id)
            send = db.get(NotifySend, batch.send_id)
            if send is not None:
                send.outcome = outcome.result.value
            rows = list(db.scalars(select(NotifyDelivery).where(NotifyDelivery.claim == batch.token)))
            for row in rows:
                row.attempts += 1
                row.claim = None
                row.lease_until = None
                if outcome.result is Result.sent:
                    row.status = DeliveryStatus.sent.value
                    row.sent_at = now
                    row.request_id = batch.send_id
                elif outcome.result is Result.retry:
                    row.last_error = outcome.error
                    if row.attempts >= MAX_ATTEMPTS:
                        row.status = DeliveryStatus.dead.value
                    else:
                        row.status = DeliveryStatus.failed.value
                        row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts, self.rng))
                elif outcome.result is Result.throttled:
                    row.last_error = outcome.error
                    row.next_attempt_at = now + timedelta(seconds=outcome.wait_seconds or batch.platform.too_fast_wait)
                else:  # broken: kept waiting for the fix
                    row.last_error = outcome.error
            if target is not None:
                if outcome.result is Result.sent:
                    target.failures = 0
                    target.next_send_at = None
                elif outcome.result is Result.retry:
                    target.failures += 1
                    target.next_send_at = now + timedelta(seconds=backoff(target.failures, self.rng))
                elif outcome.result is Result.throttled:
                    wait = outcome.wait_seconds or batch.platform.too_fast_wait
                    target.next_send_at = now + timedelta(seconds=wait)
                else:
                    target.status = TargetStatus.broken.value
                    target.broken_reason = outcome.error
                    target.broken_at = now
                self._unlease(target, batch.token)
                publish_after_commit(
                    db,
                    workspace_channel(batch.workspace_id),
                    {"kind": "notify.delivery", "target": target.id, "result": outcome.result.value,
                     "messages": len(rows), "status": target.status},
                )  # fmt: skip
            if batch.send_id % PRUNE_EVERY == 0:
                # The limiter needs the last minute; the console a few days of requests.
                db.execute(delete(NotifySend).where(NotifySend.at < now - timedelta(days=SENDS_KEPT_DAYS)))
            if outcome.result is not Result.sent:
                # What the platform said, never the address or the secret.
                log.warning("notify.not_sent", target=batch.target.id, kind=batch.target.kind,
                            result=outcome.result.value, error=outcome.error, messages=len(rows))  # fmt: skip
            db.commit()

    @staticmethod
    def _unlease(target: NotifyTarget, token: str) -> None:
        if target.lease_owner == token:
            target.lease_owner = None
            target.lease_until = None


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]


def _item(row: NotifyDelivery) -> Item:
    return Item(
        delivery_id=row.id, message_id=row.message_id, channel_kind=row.channel_kind, channel_name=row.channel_name,
        show_id=row.show_id, author=row.author, text=row.text, tags=tuple(row.tags or ()), severity=row.severity,
        mentions=tuple(row.mentions or ()), posted_at=row.posted_at,
    )  # fmt: skip


def words_for(language: str) -> Words:
    from livecrew.web.i18n import Translator

    t = Translator(language)
    return Words(digest=t("notify.push.digest", n="{n}"), system=t("notify.push.system"), test=t("notify.push.test"))


def summary(result: PassResult) -> dict[str, Any]:
    return {"requests": result.requests, "delivered": result.delivered, "not_delivered": result.failed}
