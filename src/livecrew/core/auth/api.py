"""API routes: the caller, the workspace, people and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.deps import Principal, api_principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.schemas import (
    MeOut,
    PersonCreated,
    PersonIn,
    PersonOut,
    PersonPatch,
    TokenCreated,
    TokenIn,
    TokenOut,
    WorkspaceOut,
    WorkspacePatch,
)
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.pubsub import publish_after_commit, workspace_channel

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["workspace"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]


@router.get("/me", response_model=MeOut, summary="Who am I: user, workspace and permitted actions")
def me(principal: Annotated[Principal, Depends(api_principal)]) -> MeOut:
    return MeOut(
        user=PersonOut.of(principal.user),
        workspace=WorkspaceOut.of(principal.workspace),
        permissions=[a.value for a in Action if principal.can(a)],
    )


@router.get("/workspace", response_model=WorkspaceOut)
def get_workspace(principal: Annotated[Principal, Depends(require(Action.workspace_view))]) -> WorkspaceOut:
    return WorkspaceOut.of(principal.workspace)


@router.patch("/workspace", response_model=WorkspaceOut)
def patch_workspace(
    body: WorkspacePatch, db: Db, principal: Annotated[Principal, Depends(require(Action.workspace_manage))]
) -> WorkspaceOut:
    workspace = db.merge(principal.workspace)
    service.update_workspace(db, workspace, **body.model_dump(exclude_unset=True))
    publish_after_commit(db, workspace_channel(workspace.id), {"kind": "workspace.updated"})
    return WorkspaceOut.of(workspace)


@router.get("/people", response_model=list[PersonOut])
def list_people(db: Db, principal: Annotated[Principal, Depends(require(Action.people_view))]) -> list[PersonOut]:
    return [PersonOut.of(u) for u in service.list_users(db, principal.workspace)]


@router.post("/people", response_model=PersonCreated, status_code=201)
def add_person(
    body: PersonIn,
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.people_manage))],
) -> PersonCreated:
    user = service.create_user(
        db,
        clock,
        principal.workspace,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        roles=body.roles,
        language=body.language,
    )
    url = None
    if body.password is None:
        secret = service.create_invitation(db, clock, principal.workspace, user)
        url = str(request.url_for("accept_invite_page", secret=secret))
    publish_after_commit(db, workspace_channel(principal.workspace.id), {"kind": "people.changed", "id": user.id})
    return PersonCreated(**PersonOut.of(user).model_dump(), invitation_url=url)


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(
    person_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.people_view))]
) -> PersonOut:
    return PersonOut.of(service.get_user(db, principal.workspace, person_id))


@router.patch("/people/{person_id}", response_model=PersonOut)
def patch_person(
    person_id: str,
    body: PersonPatch,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.people_manage))],
) -> PersonOut:
    user = service.get_user(db, principal.workspace, person_id)
    if body.display_name is not None:
        user.display_name = service._clean_name(body.display_name, "name", 80)
    if body.roles is not None:
        service.set_roles(db, principal.workspace, user, body.roles)
    if body.active is not None:
        service.set_active(db, clock, principal.workspace, user, body.active)
    publish_after_commit(db, workspace_channel(principal.workspace.id), {"kind": "people.changed", "id": user.id})
    return PersonOut.of(user)


@router.get("/tokens", response_model=list[TokenOut], summary="Your API tokens (all of them for owners)")
def list_tokens(db: Db, principal: Annotated[Principal, Depends(require(Action.tokens_own))]) -> list[TokenOut]:
    mine_only = None if principal.can(Action.tokens_manage) else principal.user
    return [TokenOut.of(t) for t in service.list_tokens(db, principal.workspace, user=mine_only)]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    body: TokenIn, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require(Action.tokens_own))]
) -> TokenCreated:
    user = db.merge(principal.user)
    token, secret = service.create_token(db, clock, user, name=body.name, days=body.days)
    return TokenCreated(**TokenOut.of(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: str, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require(Action.tokens_own))]
) -> TokenOut:
    token = service.revoke_token(
        db,
        clock,
        principal.workspace,
        token_id,
        actor=principal.user,
        may_manage_all=principal.can(Action.tokens_manage),
    )
    return TokenOut.of(token)
