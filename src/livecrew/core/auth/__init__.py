"""Workspaces, users, roles, API tokens, web sessions and the permission table."""
