"""Ingest listener: comments become claims and platform orders move the stock (see ``stock.on_events``)."""

from livecrew.goods.stock import on_events

__all__ = ["on_events"]
