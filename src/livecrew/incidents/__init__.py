"""Emergency plans (應急預案): runbooks, incident runs with their clock, and drills."""
