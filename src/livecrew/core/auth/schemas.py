"""API shapes for workspaces, people and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from livecrew.core.auth.models import ApiToken, User, Workspace


class WorkspaceOut(BaseModel):
    id: str
    name: str
    currency: str
    timezone: str
    default_language: str

    @classmethod
    def of(cls, w: Workspace) -> WorkspaceOut:
        return cls(
            id=w.id,
            name=w.name,
            currency=w.currency,
            timezone=w.timezone,
            default_language=w.default_language,
        )


class WorkspacePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=120)
    currency: str | None = None
    timezone: str | None = None
    default_language: str | None = None


class PersonOut(BaseModel):
    id: str
    email: str
    display_name: str
    roles: list[str]
    active: bool
    language: str | None
    created_at: datetime

    @classmethod
    def of(cls, u: User) -> PersonOut:
        return cls(
            id=u.id,
            email=u.email,
            display_name=u.display_name,
            roles=u.role_keys,
            active=u.active,
            language=u.language,
            created_at=u.created_at,
        )


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    display_name: str
    roles: list[str] = Field(min_length=1)
    password: str | None = Field(default=None, description="Leave out to send an invitation link instead.")
    language: str | None = None


class PersonCreated(PersonOut):
    invitation_url: str | None = None


class PersonPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = None
    roles: list[str] | None = None
    active: bool | None = None


class MeOut(BaseModel):
    user: PersonOut
    workspace: WorkspaceOut
    permissions: list[str]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "api"
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: str
    name: str
    prefix: str
    user_id: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, t: ApiToken) -> TokenOut:
        return cls(
            id=t.id,
            name=t.name,
            prefix=t.prefix,
            user_id=t.user_id,
            created_at=t.created_at,
            expires_at=t.expires_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. It is shown this once and never again.")
