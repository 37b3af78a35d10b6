"""Corporate Alliance fixtures: `alliance` gives the domain's factories."""
import pytest

from tests.employers import factories as alliance_factories


@pytest.fixture
def alliance(db):
    return alliance_factories
