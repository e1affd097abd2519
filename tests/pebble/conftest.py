"""Fixtures for the expression-engine tests (shared by the grammar and the catalogue tests).

`render(template, variables=None, **renderer_kwargs) -> str` renders one template with a
fresh `Renderer` (or a shared default one when no renderer options are given), exactly as
an external caller would through the public API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from kestra_nb.pebble import Renderer

RenderFn = Callable[..., str]


@pytest.fixture(scope="session")
def default_renderer() -> Renderer:
    """One renderer without secrets or envs, reused across tests (its cache is harmless)."""
    return Renderer()


@pytest.fixture
def render(default_renderer: Renderer) -> RenderFn:
    """Render `template` with `variables`; renderer options build a fresh `Renderer`."""

    def _render(
        template: str, variables: Mapping[str, Any] | None = None, **renderer_kwargs: Any
    ) -> str:
        masked = renderer_kwargs.pop("masked", False)
        renderer = Renderer(**renderer_kwargs) if renderer_kwargs else default_renderer
        return renderer.render(template, variables, masked=masked)

    return _render
