"""Schema fuzzing: every API operation of /openapi.json, with generated paths, queries and bodies, signed in
as a workspace owner: no answer is a server error (5xx). Bounded and repeatable (a fixed seed, a fixed
number of cases per operation), so `make test` runs it every time and CI fails on any 5xx.

Operations with a show in their path get the seeded show's id half of the time, so that the generated
bodies reach the code behind the show lookup rather than stopping at a 404.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.shows import service
from support import Factory

CASES = int(os.environ.get("LIVECREW_FUZZ_CASES", "20"))  # per operation: about 2,000 cases, 1-3 minutes


@pytest.fixture
def seeded(factory: Factory, db: Session, clock: FakeClock) -> dict[str, str]:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    show = service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=60)
    db.commit()
    return {"token": factory.token(owner), "show": show.id}


def test_no_operation_answers_a_server_error(app: FastAPI, seeded: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    failures: list[str] = []
    cases = 0

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=CASES,
            derandomize=True,  # the same cases every run
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            nonlocal cases
            cases += 1
            params = case.path_parameters or {}
            if "show_id" in params and zlib.crc32(repr(case.body).encode()) % 2 == 0:
                params["show_id"] = seeded["show"]
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # the test client raises what the app did not handle
                failures.append(f"{case.method} {case.formatted_path} -> {type(exc).__name__}: {str(exc)[:200]}")
                return
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        call()
    print(f"schema fuzzing: {cases} cases over {len(list(schema.get_all_operations()))} operations")
    assert not failures, "\n".join(sorted(set(failures))[:40])
