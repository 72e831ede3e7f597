"""Whole-process start-up of the ``livecrew`` command beside a bare two-command Typer app, same interpreter.

    .venv/bin/python bench/startup.py [--runs N]

Each figure is the best of N (default 5) runs of a fresh process, wall time from spawn to exit; the three
commands take turns, so a busy moment of the machine weighs on all of them alike:

  bare --help        a Typer app with two commands and nothing else, ``--help``
  livecrew --help    ``python -m livecrew.cli --help`` (every feature's commands listed)
  livecrew triage    ``livecrew triage -`` with one comment on stdin (classified, printed as JSON)

The targets of the house issue: ``--help`` at most 1.5x the bare app; ``triage`` of one line at most 2.5x.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = '''
import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


@app.command()
def bye() -> None:
    """Say bye."""
    typer.echo("bye")


app()
'''


def once(argv: list[str], env: dict[str, str], stdin: bytes = b"") -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "COLUMNS": "120"}
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE)
        env["LIVECREW_DATA_DIR"] = tmp
        py = sys.executable
        commands = {
            "bare": ([py, str(bare), "--help"], b""),
            "help": ([py, "-m", "livecrew.cli", "--help"], b""),
            "triage": ([py, "-m", "livecrew.cli", "triage", "-"], "請問A3還有貨嗎 +1\n".encode()),
        }
        # Round-robin, so that a busy moment of the machine weighs on all three alike; the best of each.
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (argv, stdin) in commands.items():
                times[name].append(once(argv, env, stdin))
        bare_help, help_, triage = (min(times[name]) for name in ("bare", "help", "triage"))
    print(
        f"start-up, best of {args.runs} (python {sys.version.split()[0]}): "
        f"bare typer --help {bare_help * 1000:.0f} ms | "
        f"livecrew --help {help_ * 1000:.0f} ms ({help_ / bare_help:.2f}x, target <= 1.5x) | "
        f"livecrew triage one line {triage * 1000:.0f} ms ({triage / bare_help:.2f}x, target <= 2.5x)"
    )


if __name__ == "__main__":
    main()
