import pytest

from portline.accounts.models import Role
from tests.factories.inspection import port_staff


@pytest.fixture
def officer(db):
    return port_staff("SYS")


@pytest.fixture
def supervisor(db):
    return port_staff("SYS", role=Role.SUPERVISOR)


@pytest.fixture
def officer_bro(db):
    return port_staff("BRO")
