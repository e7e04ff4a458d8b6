"""The geometry plan, made once from the size the load stages settled."""

from __future__ import annotations

from dataclasses import replace

from transforms.plan import make_plan
from transforms.stages.loading import Loading


def plan_geometry(state: Loading) -> Loading:
    size = state.size or state.unshrunk_size
    plan = make_plan(
        state.geometry,
        size,
        state.orientation,
        vector=state.source.vector,
        max_result_dimension=state.limits.max_result_dimension,
    )
    return replace(state, size=size, plan=plan)
