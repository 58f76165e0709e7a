"""Charts of a simulation (matplotlib, SVG or PNG), for the command and the planner's page."""

from __future__ import annotations

import io

from matplotlib.figure import Figure  # the object API draws without a GUI backend

from portline.stats.simulation import SimulationResult


def _render(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None
    )
    return buffer.getvalue()


def backlog_chart(
    result: SimulationResult,
    fmt: str = "svg",
    title: str = "Waiting at the end of each day (people)",
) -> bytes:
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ax.plot(range(1, len(result.backlog_people) + 1), result.backlog_people, color="#1d4f91")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("day")
    ax.grid(alpha=0.3)
    return _render(fig, fmt)


def wait_chart(
    result: SimulationResult, fmt: str = "svg", title: str = "Days waited by those served (units)"
) -> bytes:
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    uppers = [upper for upper, _n in result.wait_histogram]
    counts = [n for _upper, n in result.wait_histogram]
    ax.bar([u - 15 for u in uppers], counts, width=28, color="#1d4f91")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("days waited (30-day bins)")
    ax.grid(alpha=0.3, axis="y")
    return _render(fig, fmt)


def split_chart(
    rows: list[tuple[float, dict]], fmt: str = "svg", title: str = "Days waited by split"
) -> bytes:
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    splits = [f"{s:.0%}" for s, _w in rows]
    for key, colour in (("p50", "#1d4f91"), ("p90", "#a4000f")):
        ax.plot(splits, [w.get(key, 0) for _s, w in rows], marker="o", label=key, color=colour)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("share for the longest-waiting")
    ax.legend()
    ax.grid(alpha=0.3)
    return _render(fig, fmt)
