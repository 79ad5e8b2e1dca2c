"""Allocation of scarce products 紧俏货源投放 (06-allocation.md): the grade baseline, the
sell-through recommendation, hoarding flags, the simulated outcome, and saved runs.

Modules, one concern each:

    demand     ``load_inputs`` (the facts read), ``estimate_demand`` (sell-through demand, stock)
    grade      按档位投放: ``fit_caps``, ``by_grade``, ``feedback_rates``, ``adjust_curve``
    lp         the recommendation as an LP (HiGHS): ``Settings``, ``solve``
    flags      ``hoarding_flags``
    simulate   ``load_truth``, ``play``, ``summarise``, ``fill_by_grade``, ``gini``
    pipeline   ``allocate`` (the contract tables), ``compare`` (both methods), ``inflation_gain``
    runs       ``save_run``, ``list_runs``, ``load_run`` (auditable saved runs)
"""

from analytics.allocation.demand import Inputs, Period, estimate_demand, load_inputs
from analytics.allocation.lp import Settings, solve
from analytics.allocation.pipeline import (CONTRACT, GRADE_COLUMNS, METHODS, Allocation, Comparison, allocate,
                                           compare, inflation_gain)
from analytics.allocation.simulate import load_truth

__all__ = ["CONTRACT", "GRADE_COLUMNS", "METHODS", "Allocation", "Comparison", "Inputs", "Period", "Settings",
           "allocate", "compare", "estimate_demand", "inflation_gain", "load_inputs", "load_truth", "solve"]
