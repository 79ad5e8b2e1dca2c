"""The demo city: a seeded, realistic synthetic warehouse (03-data-model.md, "The demo city").

Usage::

    from data.demo import generate, DemoParams
    counts = generate(con, DemoParams(clients=2000, seed=42), progress=print)
"""

from data.demo.generate import generate
from data.demo.params import DemoParams

__all__ = ["DemoParams", "generate"]
