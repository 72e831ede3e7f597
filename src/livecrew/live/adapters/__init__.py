"""Platform adapters: real platform messages in, EVENTS.md events out."""
