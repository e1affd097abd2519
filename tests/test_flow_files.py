"""Flows of `tests/data/flows/`, each evaluated and checked against its `.expected.yml`.

The expectation keys are those of `tests.flow_helpers.check_flow_file`; no secret value nor
its base64 may appear in anything shown.
"""

from __future__ import annotations

import pytest

from tests.flow_helpers import FLOWS, check_flow_file, flow_files


@pytest.mark.parametrize("name", flow_files())
def test_flow_file_evaluates_as_expected(name: str) -> None:
    check_flow_file(name, FLOWS)


def test_the_folder_holds_flows() -> None:
    assert len(flow_files()) >= 6
