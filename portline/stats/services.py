"""Writes of the statistics app: planner simulations run on the task worker."""

from __future__ import annotations

import json

from portline.scheduling.models import Port
from portline.stats.simulation import SimulationParams


def simulation_params_for_ports(**values) -> SimulationParams:
    """Parameters with the ports' codes and capacity shares taken from the database (the
    simulation splits --capacity between ports in the same proportions)."""
    ports = list(
        Port.objects.filter(active=True).order_by("code").values_list("code", "daily_capacity")
    )
    if not ports:
        ports = [("ALL", 1)]
    return SimulationParams(
        port_codes=tuple(code for code, _c in ports),
        port_weights=tuple(float(c) for _code, c in ports),
        **values,
    )


def params_json(params: SimulationParams) -> str:
    return json.dumps(params.__dict__)
