"""The feature list and the manifests: every reference resolves; domain events reach their subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from livecrew.core import events, plugins
from livecrew.core.events import DomainEvent, emit
from livecrew.core.plugins import Feature, features, resolve

KINDS = ("models", "routers", "cli", "jobs", "on_workspace_created", "on_demo_seed", "live_listeners", "gate_checks")


def test_every_reference_of_every_manifest_resolves() -> None:
    assert features(), "livecrew.features lists no feature"
    for feature in features():
        for kind in KINDS:
            for ref in getattr(feature, kind):
                if kind == "models":
                    __import__(ref)
                else:
                    assert resolve(ref) is not None, f"{feature.name}: {ref}"
        for topic, handlers in feature.subscribers.items():
            assert "." in topic
            for ref in handlers:
                assert callable(resolve(ref))
        for point, refs in feature.contributes.items():
            assert "." in point
            for ref in refs:
                assert callable(resolve(ref)), f"{feature.name} contributes {ref} to {point}"


def test_a_bad_reference_says_which() -> None:
    with pytest.raises(ValueError, match="module:attribute"):
        resolve("livecrew.core.plugins")
    with pytest.raises(RuntimeError, match="no 'nothing_here'"):
        resolve("livecrew.core.plugins:nothing_here")


def test_feature_names_are_unique_and_sections_are_ordered() -> None:
    names = [f.name for f in features()]
    assert len(names) == len(set(names))
    orders = [s.order for s in plugins.sections()]
    assert orders == sorted(orders)


@dataclass(frozen=True)
class _Pinged(DomainEvent):
    topic: ClassVar[str] = "test.pinged"
    value: int


def test_emit_hands_the_event_to_each_subscriber_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, Any]] = []
    handlers = (lambda db, e: seen.append(("a", e.value)), lambda db, e: seen.append(("b", e.value)))
    monkeypatch.setattr(events, "subscribers", lambda topic: handlers if topic == "test.pinged" else ())
    emit(None, _Pinged(7))  # type: ignore[arg-type]
    assert seen == [("a", 7), ("b", 7)]


def test_an_event_without_a_topic_is_refused() -> None:
    @dataclass(frozen=True)
    class Nameless(DomainEvent):
        pass

    with pytest.raises(TypeError, match="no topic"):
        emit(None, Nameless())  # type: ignore[arg-type]


def test_a_manifest_names_nothing_by_default() -> None:
    bare = Feature(name="bare")
    assert all(getattr(bare, kind) == () for kind in KINDS)
    assert dict(bare.subscribers) == {} and dict(bare.contributes) == {}
