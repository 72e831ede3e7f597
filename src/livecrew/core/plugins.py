"""What a feature plugs into livecrew, declared once, in the feature's ``feature.py``.

A feature is a package beside the others on the core. Its manifest is a ``FEATURE = Feature(...)`` that
names, by lazy ``"module:attribute"`` references, everything it adds: tables, routers, CLI commands, jobs,
hooks, live-event listeners, domain-event subscribers, go-live gate checks, console sections and the
contributions it makes to other features' extension points. ``livecrew.features`` lists every feature;
nothing is registered as a side effect of importing a module, and reading a manifest imports nothing of
the feature itself (so ``livecrew --help`` stays quick).

Extension points are named strings owned by one feature (say ``"shows.detail_panel"``); another feature
contributes callables to them, and the owner asks :func:`contributions` for the list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# The one module that lists every feature, in order (see livecrew/features.py).
FEATURE_LIST = "livecrew.features"


@dataclass(frozen=True)
class Section:
    """A top-level console section: its catalog key (``nav.<key>``), its address and its place."""

    key: str
    href: str
    order: int
    # The permission (an ``Action`` value, e.g. "service.view") a reader needs to see it in the navigation;
    # None when everyone may.
    action: str | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    # Modules whose import registers tables on Base.metadata (Alembic and tests read them all).
    models: tuple[str, ...] = ()
    # "module:router" — API routers under /api/v1 and console page routers.
    routers: tuple[str, ...] = ()
    # "module:register" — functions taking the Typer app and adding the feature's commands.
    cli: tuple[str, ...] = ()
    # "module:start" — ``async start(app) -> list[asyncio.Task]``, run in the app's lifespan.
    jobs: tuple[str, ...] = ()
    # "module:fn" — ``fn(db, clock, workspace)``: when a workspace is created / the demo is seeded.
    on_workspace_created: tuple[str, ...] = ()
    on_demo_seed: tuple[str, ...] = ()
    # "module:fn" — ``fn(db, clock, show, new_events)`` after each ingest batch, in its transaction.
    live_listeners: tuple[str, ...] = ()
    # topic -> "module:fn" handlers of domain events (``fn(db, event)``, in the emitter's transaction).
    subscribers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "module:fn" — go-live gate checks (see shows.gate.GateCheck).
    gate_checks: tuple[str, ...] = ()
    # Console sections this feature owns.
    sections: tuple[Section, ...] = ()
    # "module:attribute" — tuples of ``core.live_messages.LiveMessage``: the live (SSE) messages it publishes.
    live_messages: tuple[str, ...] = ()
    # extension point -> "module:attribute" contributions to it.
    contributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def resolve(ref: str) -> Any:
    """Import ``"package.module:attribute"`` and return the attribute."""
    module_name, _, attribute = ref.partition(":")
    if not attribute:
        raise ValueError(f"{ref!r} is not a 'module:attribute' reference")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise RuntimeError(f"{module_name} has no {attribute!r} (named by a feature manifest)") from None


@cache
def features() -> tuple[Feature, ...]:
    listed: tuple[Feature, ...] = importlib.import_module(FEATURE_LIST).FEATURES
    names = [f.name for f in listed]
    if len(set(names)) != len(names):
        raise RuntimeError(f"a feature is listed twice in {FEATURE_LIST}: {names}")
    return listed


def refs(kind: str) -> Iterator[str]:
    """Every reference of one kind (``"routers"``, ``"cli"``, ``"jobs"``...), feature by feature."""
    for feature in features():
        yield from getattr(feature, kind)


def loaded(kind: str) -> list[Any]:
    """Every reference of one kind, resolved."""
    return [resolve(ref) for ref in refs(kind)]


def import_models() -> None:
    for feature in features():
        for module in feature.models:
            importlib.import_module(module)


@cache
def contributions(point: str) -> tuple[Any, ...]:
    """What the features contribute to an extension point, resolved, in feature order."""
    return tuple(resolve(ref) for feature in features() for ref in feature.contributes.get(point, ()))


@cache
def subscribers(topic: str) -> tuple[Callable[..., Any], ...]:
    return tuple(resolve(ref) for feature in features() for ref in feature.subscribers.get(topic, ()))


def sections() -> list[Section]:
    return sorted((s for f in features() for s in f.sections), key=lambda s: s.order)
