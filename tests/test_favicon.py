"""Browsers ask for /favicon.ico on every site: it answers with the bank's icon, to anyone."""
from __future__ import annotations

import struct


def test_favicon_ico_is_a_real_icon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    reserved, kind, count = struct.unpack("<HHH", response.data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO directory with at least one image
    sizes = {response.data[6 + 16 * i] for i in range(count)}
    assert {16, 32} <= sizes


def test_the_svg_icon_is_served_too(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200 and b"<svg" in response.data
