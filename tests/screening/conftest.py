import pytest

from portline.screening import index_cache


@pytest.fixture(autouse=True)
def _fresh_index():
    """Each test builds the index from its own lists (ids repeat across rolled-back tests)."""
    index_cache.clear()
    yield
    index_cache.clear()
