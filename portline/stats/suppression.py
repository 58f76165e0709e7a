"""Small-count suppression with complementary suppression, for every published table.

Pure: counts in, a mask of what must be hidden out. No ORM, no clock.

A table is published with its margins and its grand total, which together are the
"extended table": (R + 1) rows by (C + 1) columns, every line of which sums to zero once
the margin is given a minus sign. A hidden entry can be worked out exactly from what is
published if and only if it is a *bridge* of the graph whose nodes are the extended table's
rows and columns and whose edges are its hidden entries (an entry on no cycle is pinned by
peeling the lines where it is the only unknown; an entry on a cycle can move by +d/-d
around the cycle without changing any published sum). So the rule is:

1. primary: every count with 0 < count < threshold is hidden;
2. a one-way table (categories and total) hides none or at least two of its entries;
3. a two-way table keeps the hidden entries of its one-way margins exactly as the one-way
   tables publish them (the same numbers are never shown in one place and hidden in
   another), and for every hidden entry that is still a bridge it hides the cheapest path of
   published inner cells that closes a cycle through it (cheapest = smallest total count,
   so as little as possible is hidden; zero cells only as a last resort, since a hidden zero
   bounds its partners too tightly).

`disclosed_entries` checks a result by linear algebra, independently of the graph argument:
the tests use it on random tables and on several tables that share margins.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SUPPRESSION_VERSION = "1"  # bump when the rule changes: cached layers are then recomputed
_ZERO_COST = 10**12  # hide a zero cell only when nothing else closes the cycle


def primary(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def protect_line(values: Sequence[int], total: int, threshold: int) -> tuple[list[bool], bool]:
    """A one-way table: which categories to hide, and whether to hide the total."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    if total < threshold:
        return [True] * len(values), total > 0
    hidden = [primary(v, threshold) for v in values]
    if sum(hidden) == 1:
        partners = [i for i, v in enumerate(values) if not hidden[i]]
        if not partners:  # the single category is the total: impossible when total >= k
            return [True] * len(values), True
        nonzero = [i for i in partners if values[i] > 0]
        pick = min(nonzero or partners, key=lambda i: (values[i], i))
        hidden[pick] = True
    return hidden, False


@dataclass(frozen=True)
class Extended:
    """Index helpers for the extended table of an R x C table."""

    rows: int
    cols: int

    @property
    def row_margin_node(self) -> int:
        return self.rows

    def col_node(self, c: int) -> int:
        return self.rows + 1 + c

    @property
    def col_margin_node(self) -> int:
        return self.rows + 1 + self.cols

    @property
    def nodes(self) -> int:
        return self.rows + self.cols + 2


def _edges(
    ext: Extended, inner: np.ndarray, row_hidden: Sequence[bool], col_hidden: Sequence[bool]
):
    """Hidden entries as graph edges (u, v) -> key."""
    edges: dict[tuple[int, int], tuple[str, int, int]] = {}
    for r, c in zip(*np.nonzero(inner), strict=True):
        edges[(int(r), ext.col_node(int(c)))] = ("cell", int(r), int(c))
    for r, hidden in enumerate(row_hidden):
        if hidden:
            edges[(r, ext.col_margin_node)] = ("row", r, -1)
    for c, hidden in enumerate(col_hidden):
        if hidden:
            edges[(ext.row_margin_node, ext.col_node(c))] = ("col", -1, c)
    return edges


def _adjacency(edges, nodes: int) -> list[list[int]]:
    adjacency: list[list[int]] = [[] for _ in range(nodes)]
    for u, v in edges:
        adjacency[u].append(v)
        adjacency[v].append(u)
    return adjacency


def _bridges(edges: dict[tuple[int, int], object], nodes: int) -> list[tuple[int, int]]:
    """Tarjan's bridge-finding, iteratively (a simple graph: no parallel edges)."""
    adjacency = _adjacency(edges, nodes)
    order = [-1] * nodes
    low = [0] * nodes
    found: list[tuple[int, int]] = []
    counter = 0
    for root in range(nodes):
        if order[root] != -1:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            advanced = False
            for nxt in neighbours:
                if nxt == parent:
                    continue
                if order[nxt] == -1:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, node, iter(adjacency[nxt])))
                    advanced = True
                    break
                low[node] = min(low[node], order[nxt])
            if advanced:
                continue
            stack.pop()
            if parent != -1:
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.append((min(parent, node), max(parent, node)))
    return sorted(found)


def protect_table(
    cells: np.ndarray,
    row_hidden: Sequence[bool],
    col_hidden: Sequence[bool],
    total_hidden: bool,
    threshold: int,
) -> np.ndarray:
    """A two-way table whose margins were protected as one-way tables: the inner cells to hide.

    `row_hidden[r]` / `col_hidden[c]` say which margins the one-way tables hide; they are
    kept as they are. Returns a boolean array shaped like `cells`.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    cells = np.asarray(cells, dtype=np.int64)
    rows, cols = cells.shape
    if total_hidden:
        return np.ones_like(cells, dtype=bool)
    inner = (cells > 0) & (cells < threshold)
    ext = Extended(rows, cols)
    while True:
        edges = _edges(ext, inner, row_hidden, col_hidden)
        bridges = _bridges(edges, ext.nodes)
        if not bridges:
            return inner
        u, v = bridges[0]
        path = _cheapest_cycle_path(ext, cells, inner, edges, (u, v))
        if path is None:
            # Nothing published can close a cycle (cannot happen with a published total and
            # one-way margins protected as above); hide the whole table rather than leak.
            return np.ones_like(cells, dtype=bool)
        for r, c in path:
            inner[r, c] = True


def _cheapest_cycle_path(ext, cells, inner, edges, bridge):
    """Dijkstra from one end of `bridge` to the other over hidden entries (cost 0) and
    published inner cells (cost = their count); published margins cannot be used."""
    start, goal = bridge
    adjacency = _adjacency([e for e in edges if e != bridge], ext.nodes)
    dist = {start: 0}
    back: dict[int, tuple[int, tuple[int, int] | None]] = {}
    heap = [(0, start)]
    while heap:
        cost, node = heapq.heappop(heap)
        if node == goal:
            break
        if cost > dist.get(node, float("inf")):
            continue
        for nxt, step, new_cell in _neighbours(ext, cells, inner, adjacency, node):
            total = cost + step
            if total < dist.get(nxt, float("inf")):
                dist[nxt] = total
                back[nxt] = (node, new_cell)
                heapq.heappush(heap, (total, nxt))
    if goal not in dist:
        return None
    path = []
    node = goal
    while node != start:
        node, new_cell = back[node]
        if new_cell is not None:
            path.append(new_cell)
    return path


def _neighbours(ext, cells, inner, adjacency, node):
    """(next node, cost, inner cell newly hidden or None) for every usable entry at `node`."""
    rows, cols = cells.shape
    for nxt in adjacency[node]:
        yield nxt, 0, None
    if node < rows:  # a row: its published inner cells lead to columns
        for c in range(cols):
            if not inner[node, c]:
                yield ext.col_node(c), _cost(cells[node, c]), (node, c)
    elif ext.col_node(0) <= node < ext.col_margin_node:
        c = node - ext.col_node(0)
        for r in range(rows):
            if not inner[r, c]:
                yield r, _cost(cells[r, c]), (r, c)


def _cost(count: int) -> int:
    return int(count) if count > 0 else _ZERO_COST


Key = tuple[str, ...]


@dataclass
class Published:
    """One layer (for example one month of one measure) protected as a whole.

    `one_way[dim][category]` and `two_way[(dim_a, dim_b)][(cat_a, cat_b)]` are
    (count, hidden) pairs; a hidden count must never be shown.
    """

    dims: tuple[str, ...]
    threshold: int
    total: int
    total_hidden: bool
    one_way: dict[str, dict[str, tuple[int, bool]]]
    two_way: dict[tuple[str, str], dict[tuple[str, str], tuple[int, bool]]]

    def constraints(self) -> list[list[tuple[Key, int]]]:
        """Every linear relation between the published entries (for `pinned`)."""
        lines: list[list[tuple[Key, int]]] = []
        for dim, cats in self.one_way.items():
            lines.append([(("1", dim, c), 1) for c in cats] + [(("total",), -1)])
        for (a, b), cells in self.two_way.items():
            by_a: dict[str, list] = {}
            by_b: dict[str, list] = {}
            for ca, cb in cells:
                by_a.setdefault(ca, []).append((("2", a, b, ca, cb), 1))
                by_b.setdefault(cb, []).append((("2", a, b, ca, cb), 1))
            for ca, line in by_a.items():
                lines.append([*line, (("1", a, ca), -1)])
            for cb, line in by_b.items():
                lines.append([*line, (("1", b, cb), -1)])
        return lines

    def hidden_keys(self) -> set[Key]:
        keys: set[Key] = {("total",)} if self.total_hidden else set()
        for dim, cats in self.one_way.items():
            keys.update(("1", dim, c) for c, (_n, hidden) in cats.items() if hidden)
        for (a, b), cells in self.two_way.items():
            keys.update(("2", a, b, ca, cb) for (ca, cb), (_n, h) in cells.items() if h)
        return keys


def protect_layer(dims: Sequence[str], counts: dict[Key, int], threshold: int) -> Published:
    """Protect every one-way and two-way table of one cross-classified count.

    `counts` maps a full key (one category per dim, in `dims` order) to a count. Published:
    the grand total, each dim's one-way table and each pair of dims' two-way table; a
    three-way request is answered by its two-way tables (docs/statistics.md).
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    dims = tuple(dims)
    total = int(sum(counts.values()))
    one_way: dict[str, dict[str, tuple[int, bool]]] = {}
    total_hidden = False
    for i, dim in enumerate(dims):
        margin: dict[str, int] = {}
        for key, n in counts.items():
            margin[key[i]] = margin.get(key[i], 0) + int(n)
        cats = sorted(c for c, n in margin.items() if n > 0)
        hidden, hide_total = protect_line([margin[c] for c in cats], total, threshold)
        total_hidden = total_hidden or hide_total
        one_way[dim] = {c: (margin[c], h) for c, h in zip(cats, hidden, strict=True)}
    two_way: dict[tuple[str, str], dict[tuple[str, str], tuple[int, bool]]] = {}
    for i, a in enumerate(dims):
        for j in range(i + 1, len(dims)):
            b = dims[j]
            rows, cols = list(one_way[a]), list(one_way[b])
            cells = np.zeros((len(rows), len(cols)), dtype=np.int64)
            r_at = {c: k for k, c in enumerate(rows)}
            c_at = {c: k for k, c in enumerate(cols)}
            for key, n in counts.items():
                if n > 0:
                    cells[r_at[key[i]], c_at[key[j]]] += int(n)
            hide = protect_table(
                cells,
                [one_way[a][c][1] for c in rows],
                [one_way[b][c][1] for c in cols],
                total_hidden,
                threshold,
            )
            two_way[(a, b)] = {
                (ra, cb): (int(cells[x, y]), bool(hide[x, y]))
                for x, ra in enumerate(rows)
                for y, cb in enumerate(cols)
            }
    if total_hidden:  # a total below the threshold hides everything
        one_way = {d: {c: (n, True) for c, (n, _h) in cats.items()} for d, cats in one_way.items()}
        two_way = {
            p: {k: (n, True) for k, (n, _h) in cells.items()} for p, cells in two_way.items()
        }
    published = Published(dims, threshold, total, total_hidden, one_way, two_way)
    if not total_hidden and len(two_way) > 1:
        _close_links(published)
    return published


def _close_links(published: Published, max_rounds: int = 200) -> None:
    """Tables that share one-way margins can, together, pin an entry that neither pins on
    its own. Audit the whole layer by linear algebra (`pinned`) and, while anything is
    pinned, hide the cheapest rectangle of published cells through it (or, for a one-way
    entry, the cheapest published partner in its line). Each round hides more, so it ends."""
    for _round in range(max_rounds):
        found = pinned(published.constraints(), published.hidden_keys())
        if not found:
            return
        key = min(found)
        if key[0] == "1":
            _hide_line_partner(published, key[1], key[2])
        else:
            _hide_rectangle(published, (key[1], key[2]), (key[3], key[4]))
    for cats in published.one_way.values():  # give up: hide everything below the total
        for c, (n, _h) in cats.items():
            cats[c] = (n, True)
    for cells in published.two_way.values():
        for k, (n, _h) in cells.items():
            cells[k] = (n, True)


def _hide_line_partner(published: Published, dim: str, category: str) -> None:
    cats = published.one_way[dim]
    options = [c for c, (n, hidden) in cats.items() if not hidden and c != category]
    if options:
        pick = min(options, key=lambda c: (_cost(cats[c][0]), c))
        cats[pick] = (cats[pick][0], True)
        return
    # every partner already hidden: hide the inner cells of this category everywhere
    for (a, b), cells in published.two_way.items():
        for (ca, cb), (n, _h) in list(cells.items()):
            if (a == dim and ca == category) or (b == dim and cb == category):
                cells[(ca, cb)] = (n, True)


def _hide_rectangle(published: Published, pair: tuple[str, str], cell: tuple[str, str]) -> None:
    cells = published.two_way[pair]
    rows = sorted({ca for ca, _cb in cells})
    cols = sorted({cb for _ca, cb in cells})
    r, c = cell
    best: tuple[int, list[tuple[str, str]]] | None = None
    for r2 in rows:
        if r2 == r:
            continue
        for c2 in cols:
            if c2 == c:
                continue
            corners = [(r, c2), (r2, c), (r2, c2)]
            new = [k for k in corners if not cells[k][1]]
            if not new:
                continue
            cost = sum(_cost(cells[k][0]) for k in new)
            if best is None or (cost, new) < best:
                best = (cost, new)
    if best is None:  # a single row or column: its cells equal the margins; hide the line
        for k, (n, _h) in list(cells.items()):
            if k[0] == r or k[1] == c:
                cells[k] = (n, True)
        return
    for k in best[1]:
        cells[k] = (cells[k][0], True)


def combine(layers: Sequence[Published]) -> Published:
    """Sum layers (months) into one: a sum is shown only if every part of it is shown, so
    everything a combined table shows follows from what the layers show (differencing two
    ranges reveals nothing the months did not)."""
    if not layers:
        raise ValueError("nothing to combine")
    first = layers[0]
    total = sum(layer.total for layer in layers)
    total_hidden = any(layer.total_hidden for layer in layers)

    def add(into: dict, key, n: int, hidden: bool) -> None:
        old_n, old_h = into.get(key, (0, False))
        into[key] = (old_n + n, old_h or hidden)

    one_way: dict[str, dict[str, tuple[int, bool]]] = {d: {} for d in first.dims}
    two_way: dict[tuple[str, str], dict[tuple[str, str], tuple[int, bool]]] = {
        p: {} for p in first.two_way
    }
    for layer in layers:
        for d, cats in layer.one_way.items():
            for c, (n, h) in cats.items():
                add(one_way[d], c, n, h)
        for p, cells in layer.two_way.items():
            for k, (n, h) in cells.items():
                add(two_way[p], k, n, h)
    # a cell absent from a layer was zero there (and shown as zero): nothing more to hide
    return Published(first.dims, first.threshold, total, total_hidden, one_way, two_way)


def pinned(constraints: Sequence[Sequence[tuple[Key, int]]], hidden: set[Key]) -> set[Key]:
    """The hidden entries that published figures determine exactly.

    Independent of the graph argument above: a hidden entry is determined iff its unit
    vector lies in the row space of the constraints restricted to the hidden entries, that
    is, iff every vector of their null space is zero there.
    Used by the tests, on one layer and on several layers that share entries.
    """
    unknown = sorted(hidden)
    if not unknown:
        return set()
    position = {k: i for i, k in enumerate(unknown)}
    rows = []
    for line in constraints:
        row = np.zeros(len(unknown))
        for key, sign in line:
            if key in position:
                row[position[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set(unknown)
    matrix = np.array(rows)
    # x is pinned iff every vector of the null space is zero at x's position.
    _u, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(1.0, float(singular[0]))).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return set(unknown)
    return {key for key, i in position.items() if np.abs(null[:, i]).max() < 1e-9}
