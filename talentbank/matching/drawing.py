"""The drawing of an exchange ring: where each city sits on the circle and the arrow to the next one."""
from __future__ import annotations

import math
from typing import Any


def ring_geometry(n: int, cx: float = 120, cy: float = 100, r: float = 62) -> list[dict[str, Any]]:
    """Where each city of an n-city ring sits on the drawing, and the arrow to the next one (clockwise)."""
    points = []
    gap = math.radians(14)  # keep arrow heads clear of the city markers
    for i in range(n):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        nxt = -math.pi / 2 + 2 * math.pi * (i + 1) / n
        start, end = angle + gap, nxt - gap
        large = 1 if (end - start) > math.pi else 0
        points.append({
            "x": round(cx + r * math.cos(angle), 1), "y": round(cy + r * math.sin(angle), 1),
            "lx": round(cx + (r + 24) * math.cos(angle), 1), "ly": round(cy + (r + 24) * math.sin(angle) + 5, 1),
            "arc": (f"M {cx + r * math.cos(start):.1f} {cy + r * math.sin(start):.1f} "
                    f"A {r} {r} 0 {large} 1 {cx + r * math.cos(end):.1f} {cy + r * math.sin(end):.1f}"),
        })
    return points
