"""The live-room simulator: believable, seeded shows as EVENTS.md events (also the rehearsal tool)."""

from livecrew.simulate.generator import DEFAULT_PRODUCTS, Incident, generate, parse_incident, play

__all__ = ["DEFAULT_PRODUCTS", "Incident", "generate", "parse_incident", "play"]
