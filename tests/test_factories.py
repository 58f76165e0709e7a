import pytest

from portline.accounts.models import Role
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_user_factory_builds_every_role(role):
    user = factories.UserFactory(role=role)
    assert user.pk and user.role == role
    assert user.check_password(factories.PASSWORD)


@pytest.mark.django_db
def test_person_factory_builds_a_complete_person():
    person = factories.PersonFactory()
    person.full_clean()
    assert person.registration.owner.role == Role.APPLICANT
