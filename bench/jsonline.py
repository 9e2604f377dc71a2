"""The one JSON line every benchmark ends with: stable names, so runs can be compared over time."""

import json
import os
from datetime import UTC, datetime


def emit(bench: str, figures: dict) -> None:
    """Print ``figures`` as the last line of the run, with the bench's name, the time and the load."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    line = {"bench": bench, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average": round(load, 2) if load is not None else None, "cpus": os.cpu_count()}
    line.update({key: round(value, 3) if isinstance(value, float) else value for key, value in figures.items()})
    print(json.dumps(line, ensure_ascii=False, sort_keys=False), flush=True)
