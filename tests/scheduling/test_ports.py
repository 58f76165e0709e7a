import pytest

from portline.scheduling.models import Port


@pytest.mark.django_db
def test_eight_ports_ship_as_data_with_capacity_summing_to_1450():
    ports = Port.objects.all()
    assert ports.count() == 8
    assert sum(p.daily_capacity for p in ports) == 1450
    assert {p.code for p in ports} == {"SYS", "CXL", "NOG", "ELP", "EGP", "LRD", "HID", "BRO"}
    assert all(p.time_zone.startswith("America/") for p in ports)
