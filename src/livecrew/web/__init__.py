"""The web console: server-rendered pages (Jinja2 + htmx), static assets and translations."""
