"""livecrew: a self-hosted operating system for live-commerce teams."""

__version__ = "0.1.0"
