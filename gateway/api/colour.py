"""Colour temperature as a CIE xy point, for scenes.

The value rules between REST's and ZCL's units (xy, hue, ct) live in `gateway.core.values`.
"""

from __future__ import annotations


def mired_to_xy(mired: int) -> tuple[float, float]:
    """The point on the Planckian locus for a colour temperature (Kim et al., 2002).

    Used where ZCL has no colour-temperature field that lights honour, i.e. scene extension
    field sets, the same way deCONZ stores ct scenes as xy.
    """
    kelvin = min(max(1_000_000 / max(mired, 1), 1667.0), 25000.0)
    t, t2, t3 = kelvin, kelvin**2, kelvin**3
    if kelvin <= 4000:
        x = -0.2661239e9 / t3 - 0.2343589e6 / t2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t3 + 2.1070379e6 / t2 + 0.2226347e3 / t + 0.240390
    if kelvin <= 2222:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif kelvin <= 4000:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y
