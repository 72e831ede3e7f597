"""The ``livecrew`` command's entry point: ``livecrew triage FILE`` and ``livecrew scan ... FILE`` start without
the command-line framework and the other features (``livecrew.text.fastcli``); everything else is ``livecrew.cli``."""

from __future__ import annotations

import sys


def main() -> None:
    from livecrew.text.fastcli import run

    if run(sys.argv[1:]):
        return
    from livecrew.cli import main as full

    full()
