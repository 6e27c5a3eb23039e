"""The copy of the API reference the replay tier reads is the reference itself, where the original is at hand."""

from __future__ import annotations

import pytest

from tests.replay.reference import REFERENCE, SHARED_REFERENCE


@pytest.mark.skipif(not SHARED_REFERENCE.is_file(), reason="the steering repo's shared/ is not beside this clone")
def test_the_copy_is_the_reference():
    assert REFERENCE.read_bytes() == SHARED_REFERENCE.read_bytes()
