"""Workspaces, people, sign-in, web sessions and API tokens. Services never commit."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Engine, bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, contains_eager

from livecrew.core.auth.models import (
    ApiToken,
    Invitation,
    KnownDevice,
    LoginFailure,
    User,
    UserRole,
    WebSession,
    Workspace,
)
from livecrew.core.auth.passwords import check_strength, dummy_hash, hash_password, verify_password
from livecrew.core.auth.roles import Role, parse_role
from livecrew.core.clock import Clock
from livecrew.core.config import LANGUAGES, Settings
from livecrew.core.errors import Conflict, NotFound, TooManyAttempts, Unauthenticated, ValidationFailed
from livecrew.core.ids import new_id
from livecrew.core.logging import get_logger
from livecrew.core.plugins import loaded
from livecrew.core.pubsub import AUTH_CHANNEL, publish_after_commit

TOKEN_PREFIX = "lc_"
log = get_logger(__name__)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- validation helpers


def normalise_email(value: str) -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f'"{value}" is not a valid e-mail address: {exc}', key="err.bad_email", params={"value": value}
        ) from None
    return result.normalized.lower()


def _clean_name(value: str, what: str, max_len: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ValidationFailed(
            f"the {what} cannot be empty", key="err.name_empty", params={"field": what.replace(" ", "_")}
        )
    if len(cleaned) > max_len:
        raise ValidationFailed(
            f"the {what} must be at most {max_len} characters (got {len(cleaned)})",
            key="err.name_long",
            params={"field": what.replace(" ", "_"), "max": max_len},
        )
    return cleaned


def _parse_roles(roles: list[str]) -> list[Role]:
    if not roles:
        raise ValidationFailed("give at least one role", key="err.no_roles")
    parsed: list[Role] = []
    for raw in roles:
        try:
            role = parse_role(raw)
        except ValueError as exc:
            raise ValidationFailed(str(exc), key="err.bad_role", params={"role": raw}) from None
        if role not in parsed:
            parsed.append(role)
    return parsed


def check_language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValidationFailed(
            f'unknown language "{value}"; use one of: {", ".join(LANGUAGES)}',
            key="err.bad_language",
            params={"value": value},
        )
    return value


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValidationFailed(
            f'"{value}" is not a currency code; use three letters such as TWD, CNY, HKD, USD',
            key="err.bad_currency",
            params={"value": value},
        )
    return code


def check_timezone(value: str) -> str:
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f'"{value}" is not a known time zone; use an IANA name such as Asia/Taipei or Asia/Shanghai',
            key="err.bad_timezone",
            params={"value": value},
        ) from None
    return name


# ---------------------------------------------------------------- workspaces


def create_workspace(
    db: Session,
    clock: Clock,
    name: str,
    *,
    currency: str = "TWD",
    timezone: str = "Asia/Taipei",
    default_language: str = "zh-Hant",
) -> Workspace:
    workspace = Workspace(
        id=new_id("w"),
        name=_clean_name(name, "workspace name", 120),
        currency=check_currency(currency),
        timezone=check_timezone(timezone),
        default_language=check_language(default_language),
        created_at=clock.now(),
    )
    db.add(workspace)
    db.flush()
    for hook in loaded("on_workspace_created"):  # the features' settings rows and shipped defaults
        hook(db, clock, workspace)
    return workspace


def get_workspace(db: Session, workspace_id: str) -> Workspace:
    workspace = db.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f'no workspace with id "{workspace_id}"', key="err.no_workspace", params={"id": workspace_id})
    return workspace


def find_workspace(db: Session, ref: str) -> Workspace:
    """A workspace by id, or by exact name when the name is unique."""
    workspace = db.get(Workspace, ref)
    if workspace is not None:
        return workspace
    matches = list(db.scalars(select(Workspace).where(Workspace.name == ref)).all())
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise Conflict(
            f'several workspaces are named "{ref}"; use the workspace id instead',
            key="err.workspace_ambiguous",
            params={"ref": ref},
        )
    raise NotFound(f'no workspace with id or name "{ref}"', key="err.no_workspace_ref", params={"ref": ref})


def update_workspace(
    db: Session,
    workspace: Workspace,
    *,
    name: str | None = None,
    currency: str | None = None,
    timezone: str | None = None,
    default_language: str | None = None,
) -> Workspace:
    if name is not None:
        workspace.name = _clean_name(name, "workspace name", 120)
    if currency is not None:
        workspace.currency = check_currency(currency)
    if timezone is not None:
        workspace.timezone = check_timezone(timezone)
    if default_language is not None:
        workspace.default_language = check_language(default_language)
    db.flush()
    return workspace


# ---------------------------------------------------------------- people


def create_user(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    *,
    email: str,
    display_name: str,
    password: str | None,
    roles: list[str],
    language: str | None = None,
) -> User:
    """Add a person. Without a password the account cannot sign in until an invitation is accepted."""
    address = normalise_email(email)
    name = _clean_name(display_name, "name", 80)
    parsed = _parse_roles(roles)
    if password is not None and (problem := check_strength(password)):
        raise ValidationFailed(problem, key="err.weak_password")
    if language is not None:
        check_language(language)
    taken = select(User.id).where(User.workspace_id == workspace.id, User.email == address)
    if db.scalar(taken) is not None:
        # Only this workspace's people are looked at: whether another workspace uses the address is not ours
        # to tell (nor does it matter: addresses are unique per workspace).
        raise Conflict(
            f"{address} is already a person of this workspace; each e-mail address belongs to one person here",
            key="err.duplicate_email",
            params={"email": address},
        )
    user = User(
        id=new_id("u"),
        workspace_id=workspace.id,
        email=address,
        display_name=name,
        password_hash=hash_password(password) if password is not None else "!",
        language=language,
        active=True,
        created_at=clock.now(),
    )
    user.roles = [UserRole(role=r.value) for r in parsed]
    db.add(user)
    db.flush()
    return user


def get_user(db: Session, workspace: Workspace, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None or user.workspace_id != workspace.id:
        raise NotFound(f'no person with id "{user_id}" in this workspace', key="err.no_person")
    return user


def find_user_by_email(db: Session, email: str, workspace: Workspace | None = None) -> User:
    """The person with this address (in ``workspace`` when given; else it must be the only one)."""
    address = normalise_email(email)
    query = select(User).where(User.email == address)
    if workspace is not None:
        query = query.where(User.workspace_id == workspace.id)
    found = list(db.scalars(query.limit(2)))
    if not found:
        raise NotFound(
            f"no person with the e-mail address {address}", key="err.no_address", params={"address": address}
        )
    if len(found) > 1:
        raise ValidationFailed(
            f"several workspaces have a person with the address {address}; name the workspace",
            key="err.address_ambiguous",
            params={"address": address},
        )
    return found[0]


def list_users(db: Session, workspace: Workspace) -> list[User]:
    stmt = select(User).where(User.workspace_id == workspace.id).order_by(User.active.desc(), User.created_at)
    return list(db.scalars(stmt).all())


def _owners_left(db: Session, workspace: Workspace, excluding: str) -> int:
    stmt = (
        select(func.count())
        .select_from(User)
        .join(UserRole)
        .where(
            User.workspace_id == workspace.id,
            User.active.is_(True),
            UserRole.role == Role.owner.value,
            User.id != excluding,
        )
    )
    return int(db.scalar(stmt) or 0)


def set_roles(db: Session, workspace: Workspace, user: User, roles: list[str]) -> User:
    parsed = _parse_roles(roles)
    had_owner = Role.owner.value in user.role_keys
    if had_owner and Role.owner not in parsed and _owners_left(db, workspace, user.id) == 0:
        raise Conflict("this is the last active owner; make someone else owner first", key="err.last_owner")
    user.roles = [UserRole(role=r.value) for r in parsed]
    db.flush()
    credentials_changed(db, user.id)
    return user


def set_active(db: Session, clock: Clock, workspace: Workspace, user: User, active: bool) -> User:
    if not active and Role.owner.value in user.role_keys and _owners_left(db, workspace, user.id) == 0:
        raise Conflict(
            "this is the last active owner; make someone else owner before deactivating them",
            key="err.last_owner",
        )
    user.active = active
    user.deactivated_at = None if active else clock.now()
    if not active:
        db.execute(delete(WebSession).where(WebSession.user_id == user.id))
        credentials_changed(db, user.id)
    db.flush()
    return user


def set_language(db: Session, user: User, language: str | None) -> None:
    user.language = check_language(language) if language is not None else None
    db.flush()


def change_password(db: Session, user: User, current: str, new: str, *, keep_session: str | None = None) -> int:
    """Set a new password and end every other web session of the person (``keep_session``: the cookie of the
    one making the change). Returns how many sessions were ended."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed("the current password is not correct", key="err.current_password")
    if problem := check_strength(new):
        raise ValidationFailed(problem, key="err.weak_password")
    user.password_hash = hash_password(new)
    return end_other_sessions(db, user, keep_session)


def end_other_sessions(db: Session, user: User, keep_session: str | None) -> int:
    condition = WebSession.user_id == user.id
    if keep_session:
        condition = condition & (WebSession.id != _sha256(keep_session))
    ended = db.execute(delete(WebSession).where(condition)).rowcount or 0  # type: ignore[attr-defined]
    db.flush()
    credentials_changed(db, user.id)
    if ended:
        log.info("auth.sessions_ended", user=user.id, sessions=ended)
    return int(ended)


# ---------------------------------------------------------------- invitations


def create_invitation(db: Session, clock: Clock, workspace: Workspace, user: User, *, days: int = 7) -> str:
    """A one-time link token for a person to set their password. Returns the secret once."""
    secret = secrets.token_urlsafe(24)
    db.add(
        Invitation(
            id=new_id("i"),
            workspace_id=workspace.id,
            user_id=user.id,
            token_hash=_sha256(secret),
            created_at=clock.now(),
            expires_at=clock.now() + timedelta(days=days),
        )
    )
    db.flush()
    return secret


def accept_invitation(db: Session, clock: Clock, secret: str, password: str) -> User:
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == _sha256(secret)))
    if invitation is None or invitation.used_at is not None:
        raise NotFound(
            "this invitation link is not valid or was already used; ask for a new one",
            key="err.invite_invalid",
        )
    if invitation.expires_at <= clock.now():
        raise ValidationFailed(
            "this invitation link has expired; ask the person who invited you for a new one",
            key="err.invite_expired",
        )
    if problem := check_strength(password):
        raise ValidationFailed(problem, key="err.weak_password")
    user = db.get(User, invitation.user_id)
    if user is None or not user.active:
        raise NotFound("the account for this invitation no longer exists or was deactivated", key="err.invite_gone")
    user.password_hash = hash_password(password)
    invitation.used_at = clock.now()
    db.flush()
    return user


# ---------------------------------------------------------------- sign-in throttling


@dataclass(frozen=True)
class ThrottlePolicy:
    slow_after: int
    lock_after: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            settings.login_slow_after,
            settings.login_lock_after,
            timedelta(minutes=settings.login_window_minutes),
        )


# Sign-in failures are counted under three keys. The pair (account, address) is slowed and then locked:
# that stops guessing from one place without touching the account's owner elsewhere. The address alone
# gets more room (an office shares one) and is locked past it. The account alone is only ever slowed,
# never locked, so a stranger cannot lock a real person out; and a browser where the person has signed
# in before (a known device) skips the account's and the address's counts altogether.
_ACCOUNT_MAX_DELAY = 30
_PAIR_MAX_DELAY = 60


def _email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"


def _throttle_keys(email: str, ip: str | None) -> list[str]:
    keys = [_email_key(email), f"pair:{email.strip().lower()}|{ip or '-'}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def _failures(db: Session, key: str, since: datetime) -> list[datetime]:
    return list(
        db.scalars(
            select(LoginFailure.at).where(LoginFailure.key == key, LoginFailure.at > since).order_by(LoginFailure.at)
        )
    )


def _locked(times: list[datetime], policy: ThrottlePolicy, now: datetime) -> TooManyAttempts:
    unlock = times[0] + policy.window
    wait = max(1, math.ceil((unlock - now).total_seconds()))
    minutes = max(1, math.ceil(wait / 60))
    return TooManyAttempts(
        f"Too many failed sign-ins from this address. Sign-in from here is paused for about {minutes} minute(s); "
        "try again later or ask an owner to reset your password.",
        retry_after=wait,
        key="err.login_locked",
        params={"minutes": minutes},
    )


def _slowed(times: list[datetime], after: int, cap: int, now: datetime) -> TooManyAttempts | None:
    if len(times) < after:
        return None
    delay = min(2 ** (len(times) - after), cap)
    ready = times[-1] + timedelta(seconds=delay)
    if ready <= now:
        return None
    wait = max(1, math.ceil((ready - now).total_seconds()))
    return TooManyAttempts(
        f"Several sign-ins failed. Wait {wait} second(s) before trying again.",
        retry_after=wait,
        key="err.login_wait",
        params={"seconds": wait},
    )


def check_throttle(
    db: Session, clock: Clock, policy: ThrottlePolicy, email: str, ip: str | None, *, known_device: bool = False
) -> None:
    """Refuse the attempt when there were too many recent failures (see the note above the keys)."""
    now = clock.now()
    since = now - policy.window
    address = email.strip().lower()
    pair = _failures(db, f"pair:{address}|{ip or '-'}", since)
    if len(pair) >= policy.lock_after:
        raise _locked(pair, policy, now)
    if (wait := _slowed(pair, policy.slow_after, _PAIR_MAX_DELAY, now)) is not None:
        raise wait
    if known_device:
        return
    if ip:
        # An address is shared by a whole office, so it gets more room than one account.
        by_ip = _failures(db, f"ip:{ip}", since)
        if len(by_ip) >= policy.lock_after * 3:
            raise _locked(by_ip, policy, now)
    account = _failures(db, _email_key(address), since)
    if (wait := _slowed(account, policy.slow_after * 3, _ACCOUNT_MAX_DELAY, now)) is not None:
        raise wait


def record_failure(db: Session, clock: Clock, email: str, ip: str | None) -> None:
    for key in _throttle_keys(email, ip):
        db.add(LoginFailure(key=key, at=clock.now()))
    db.flush()
    log.warning("auth.login_failed", account=_sha256(email.strip().lower())[:12], ip=ip)


def clear_failures(db: Session, email: str, ip: str | None = None) -> None:
    address = email.strip().lower()
    db.execute(delete(LoginFailure).where(LoginFailure.key.in_([_email_key(address), f"pair:{address}|{ip or '-'}"])))


def authenticate(
    db: Session,
    clock: Clock,
    policy: ThrottlePolicy,
    email: str,
    password: str,
    ip: str | None,
    *,
    device: str | None = None,
) -> User:
    """Check an e-mail and password. Failures are recorded; call within a transaction that commits.
    ``device``: the browser's known-device cookie, if it sent one."""
    address = email.strip().lower()
    # The same address may be a person in several workspaces: the password says which one signs in.
    candidates = list(db.scalars(select(User).where(User.email == address).order_by(User.created_at)))
    known = device is not None and any(is_known_device(db, u, device) for u in candidates)
    check_throttle(db, clock, policy, email, ip, known_device=known)
    user = next((u for u in candidates if verify_password(u.password_hash, password)), None)
    if not candidates:
        verify_password(dummy_hash(), password)
    if user is None:
        record_failure(db, clock, email, ip)
        raise Unauthenticated("The e-mail address or the password is not correct.", key="err.bad_login")
    if not user.active:
        raise Unauthenticated(
            "This account has been deactivated. Ask an owner of your workspace to reactivate it.",
            key="err.deactivated",
        )
    clear_failures(db, email, ip)
    log.info("auth.login", user=user.id, ip=ip, known_device=known)
    return user


def remember_device(db: Session, clock: Clock, user: User, device: str | None) -> str:
    """After a successful sign-in: the browser's known-device cookie value (kept, or a new one)."""
    if device and is_known_device(db, user, device):
        return device
    secret = secrets.token_urlsafe(32)
    db.add(KnownDevice(id=_sha256(secret), user_id=user.id, created_at=clock.now()))
    db.flush()
    return secret


def is_known_device(db: Session, user: User, device: str) -> bool:
    row = db.get(KnownDevice, _sha256(device))
    return row is not None and row.user_id == user.id


# ---------------------------------------------------------------- web sessions


# Last-use times are noted in memory and written in one batch by a background job (core/jobs.py):
# reading a token or a session must not take a write lock or a second connection on the request path.
_TOUCHES: dict[tuple[str, str], datetime] = {}
_TOUCH_LOCK = threading.Lock()


def _touch(kind: str, row_id: str, when: datetime) -> None:
    with _TOUCH_LOCK:
        _TOUCHES[(kind, row_id)] = when


def flush_touches(engine: Engine) -> int:
    """Write the noted last-use times; returns how many rows were updated."""
    with _TOUCH_LOCK:
        pending = dict(_TOUCHES)
        _TOUCHES.clear()
    if not pending:
        return 0
    try:
        with engine.begin() as connection:
            for (kind, row_id), when in pending.items():
                if kind == "token":
                    connection.execute(update(ApiToken).where(ApiToken.id == row_id).values(last_used_at=when))
                else:
                    connection.execute(update(WebSession).where(WebSession.id == row_id).values(last_seen_at=when))
    except OperationalError:
        log.info("auth.touch_deferred", rows=len(pending))
        with _TOUCH_LOCK:
            for key, when in pending.items():
                _TOUCHES.setdefault(key, when)
        return 0
    return len(pending)


def start_session(db: Session, clock: Clock, user: User, hours: int) -> str:
    """Create a web session; returns the cookie value (only its hash is stored)."""
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    db.add(
        WebSession(
            id=_sha256(secret),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    db.flush()
    return secret


def resolve_session(db: Session, clock: Clock, secret: str) -> User | None:
    row = db.get(WebSession, _sha256(secret))
    if row is None:
        return None
    now = clock.now()
    if row.expires_at <= now or not row.user.active:
        db.delete(row)
        db.flush()
        return None
    if (now - row.last_seen_at) > timedelta(minutes=1):
        _touch("session", row.id, now)
    return row.user


def end_session(db: Session, secret: str) -> None:
    row = db.get(WebSession, _sha256(secret))
    if row is not None:
        credentials_changed(db, row.user_id)
        db.delete(row)
        db.flush()


# ---------------------------------------------------------------- API tokens


def create_token(
    db: Session, clock: Clock, user: User, *, name: str = "api", days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for a user. The secret is returned once and never stored."""
    if not user.active:
        raise Conflict(
            f"{user.email} is deactivated; reactivate the account before creating a token",
            key="err.token_deactivated",
            params={"email": user.email},
        )
    if days is not None and days < 1:
        raise ValidationFailed(
            "a token must be valid for at least 1 day (or leave the expiry out)", key="err.token_expiry"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=new_id("t"),
        workspace_id=user.workspace_id,
        user_id=user.id,
        name=_clean_name(name, "token name", 80),
        prefix=secret[:10],
        token_hash=_sha256(secret),
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=days) if days else None,
    )
    db.add(token)
    db.flush()
    return token, secret


_TOKEN_LOOKUP = (
    select(ApiToken, Workspace)
    .join(User, User.id == ApiToken.user_id)
    .join(Workspace, Workspace.id == User.workspace_id)
    .options(contains_eager(ApiToken.user).joinedload(User.roles))
    .where(ApiToken.token_hash == bindparam("hash"))
)


def resolve_token(db: Session, clock: Clock, secret: str) -> tuple[User, Workspace]:
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthenticated(
            "This is not a livecrew API token (tokens start with lc_). Create one with `livecrew token create`."
        )
    # One statement for the token, its user with the roles and the workspace: a feed posts a batch every
    # few milliseconds. The workspace is returned, not left for a ``db.get``: the session's identity map
    # holds objects weakly, so once this row is gone the workspace would be loaded a second time.
    row = db.execute(_TOKEN_LOOKUP, {"hash": _sha256(secret)}).unique().first()
    if row is None:
        raise Unauthenticated("The API token is not valid. Check that it was copied whole, or create a new one.")
    token, workspace = row
    now = clock.now()
    if token.revoked_at is not None:
        raise Unauthenticated(
            "The API token was revoked. Create a new one in the console or with `livecrew token create`."
        )
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated(
            "The API token has expired. Create a new one in the console or with `livecrew token create`."
        )
    if not token.user.active:
        raise Unauthenticated("The API token belongs to a deactivated account.")
    if token.last_used_at is None or (now - token.last_used_at) > timedelta(minutes=1):
        _touch("token", token.id, now)
    return token.user, workspace


def list_tokens(db: Session, workspace: Workspace, *, user: User | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.workspace_id == workspace.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.scalars(stmt.order_by(ApiToken.created_at.desc())).all())


def revoke_token(
    db: Session, clock: Clock, workspace: Workspace, token_id: str, *, actor: User, may_manage_all: bool
) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None or token.workspace_id != workspace.id:
        raise NotFound(
            f'no API token with id "{token_id}" in this workspace', key="err.no_token", params={"id": token_id}
        )
    if token.user_id != actor.id and not may_manage_all:
        raise NotFound(
            f'no API token with id "{token_id}" among your tokens', key="err.no_token", params={"id": token_id}
        )
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        db.flush()
        credentials_changed(db, token.user_id)
    return token


def credentials_changed(db: Session, user_id: str) -> None:
    """After commit, tell the person's open streams to check their access again."""
    publish_after_commit(db, AUTH_CHANNEL, {"kind": "auth.changed", "user": user_id})


def now_in(workspace: Workspace, when: datetime) -> datetime:
    """A UTC time shown in the workspace's time zone."""
    return when.astimezone(ZoneInfo(workspace.timezone))
