"""Whole-process start-up of the ``livecrew`` command beside a bare two-command Typer app, same interpreter.

    .venv/bin/python bench/startup.py [--runs N]

Each figure is the best of N (default 5) runs of a fresh process, wall time from spawn to exit:

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


def best(argv: list[str], runs: int, env: dict[str, str], stdin: bytes = b"") -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return min(times)


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
        bare_help = best([py, str(bare), "--help"], args.runs, env)
        help_ = best([py, "-m", "livecrew.cli", "--help"], args.runs, env)
        triage = best([py, "-m", "livecrew.cli", "triage", "-"], args.runs, env, "請問A3還有貨嗎 +1\n".encode())
    print(
        f"start-up, best of {args.runs} (python {sys.version.split()[0]}): "
        f"bare typer --help {bare_help * 1000:.0f} ms | "
        f"livecrew --help {help_ * 1000:.0f} ms ({help_ / bare_help:.2f}x, target <= 1.5x) | "
        f"livecrew triage one line {triage * 1000:.0f} ms ({triage / bare_help:.2f}x, target <= 2.5x)"
    )


if __name__ == "__main__":
    main()
