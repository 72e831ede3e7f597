"""The import graph between livecrew's packages: cycles and the longest chain from the core up.

    .venv/bin/python bench/imports.py

Every import counts, the ones inside functions too (grimp, which import-linter uses, reads them all).
A package is ``livecrew.<name>`` (the faces ``app``, ``cli``, ``demo``, ``features`` and ``models`` are
modules; each counts as one). Prints the package cycles (none expected), the longest chain of package
imports from ``core`` up to the app and to the CLI, and the longest chain anywhere.
"""

from __future__ import annotations

from functools import cache

import grimp


def package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("livecrew")
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2 or parts[1] == "migrations":
            continue
        source = parts[1]
        edges.setdefault(source, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")
            if len(target) >= 2 and target[0] == "livecrew" and target[1] != source and target[1] != "migrations":
                edges[source].add(target[1])
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> None:
    edges = package_graph()
    loops = cycles(edges)
    print(f"packages: {len(edges)}, package cycles: {len(loops)} {loops if loops else ''}".rstrip())
    if loops:
        return

    @cache
    def longest_down(node: str) -> tuple[str, ...]:
        """The longest chain of imports from ``node`` down to the core."""
        best: tuple[str, ...] = (node,) if node == "core" else ()
        for nxt in edges.get(node, ()):
            below = longest_down(nxt)
            if below and len(below) + 1 > len(best):
                best = (node, *below)
        return best

    for top in ("app", "cli"):
        chain = longest_down(top)
        print(f"longest chain core -> {top}: {len(chain)} packages: {' -> '.join(reversed(chain))}")
    overall = max((longest_down(n) for n in edges), key=len)
    print(f"longest chain anywhere: {len(overall)} packages: {' -> '.join(reversed(overall))}")


if __name__ == "__main__":
    main()
