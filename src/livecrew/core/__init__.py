"""Core services shared by every feature: settings, database, clock, errors, auth, pub/sub."""
