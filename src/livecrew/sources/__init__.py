"""Live sources (connectors): a platform's live stream read and fed into a show through the ingest path."""
