"""Directory test fixtures."""
import pytest

from tests import factories


@pytest.fixture
def empty_index(app):
    """The search index is one file for the whole test session: start and end each test with it empty."""
    with app.app_context():
        factories.empty_search_index()
    yield
    with app.app_context():
        factories.empty_search_index()
