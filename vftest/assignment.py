"""Pairing expectations with traces, or expected buttons with buttons.

The two orders vftest knows: in sequence (a common subsequence) and in any order (a maximum
bipartite matching).
"""

from __future__ import annotations

__all__ = ["bipartite", "subsequence"]


def subsequence(ok: list[list[bool]]) -> list[int | None]:
    """Pair expectations with increasing trace positions, as many as possible.

    Dynamic programming (longest common subsequence over the `ok` matrix): unlike a greedy
    scan, an early expectation never steals a trace a later one needs. Earliest pairing wins ties.
    """
    n = len(ok)
    m = len(ok[0]) if ok else 0
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = 1 + best[i + 1][j + 1] if ok[i][j] else 0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    assignment: list[int | None] = [None] * n
    i = j = 0
    while i < n and j < m:
        if ok[i][j] and best[i][j] == 1 + best[i + 1][j + 1]:
            assignment[i] = j
            i, j = i + 1, j + 1
        elif best[i][j] == best[i][j + 1]:
            j += 1
        else:
            i += 1
    return assignment


def bipartite(ok: list[list[bool]]) -> list[int | None]:
    """Maximum matching of expectations to distinct traces, in any order (Kuhn's algorithm)."""
    owner: dict[int, int] = {}  # trace -> expectation

    def augment(i: int, seen: set[int]) -> bool:
        for j, fits in enumerate(ok[i]):
            if fits and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(ok)):
        augment(i, set())
    assignment: list[int | None] = [None] * len(ok)
    for j, i in owner.items():
        assignment[i] = j
    return assignment
