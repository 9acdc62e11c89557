"""Issue 6's targets, judged on one run (the issue asks for medians of three runs: see
bench/RESULTS.md for those)."""

from typing import Any

DECIDED_PER_S, MOONSHOT_PER_S = 5000, 10000
FLOOR_SHARE, MONOLITH_FACTOR = 0.35, 3.0
FIXED_RATE_P99_MS = 150
RSS_MB = 300


def judged(result: dict[str, Any]) -> dict[str, bool | None]:
    decided = (result.get("tilmeld") or {}).get("decided_per_s")
    p99 = (result.get("fixed_rate") or {}).get("p99_ms")
    rss = result.get("rss_max_mb") or {}
    return {
        f"decided_per_s >= {DECIDED_PER_S}": _at_least(decided, DECIDED_PER_S),
        f"decided_per_s >= {MOONSHOT_PER_S} (moonshot)": _at_least(decided, MOONSHOT_PER_S),
        f"ratio_floor >= {FLOOR_SHARE}": _at_least(result.get("ratio_floor"), FLOOR_SHARE),
        f"ratio_monolith >= {MONOLITH_FACTOR}": _at_least(
            result.get("ratio_monolith"), MONOLITH_FACTOR
        ),
        f"fixed-rate p99_ms <= {FIXED_RATE_P99_MS}": None if p99 is None else p99 <= 150,
        "zero violations": result.get("violations") == 0,
        f"every service RSS < {RSS_MB} MB": (
            all(mb < RSS_MB for mb in rss.values()) if rss else None
        ),
    }


def _at_least(value: float | None, floor: float) -> bool | None:
    return None if value is None else value >= floor
