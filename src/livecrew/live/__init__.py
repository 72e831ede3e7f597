"""The live room: events, ingest, the metrics engine, alerts and control-room actions."""
