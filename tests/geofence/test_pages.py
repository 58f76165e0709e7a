import pytest

pytestmark = pytest.mark.django_db


def test_area_page_shows_the_area_in_force_maps_and_history(client):
    page = client.get("/area/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "/area/map/2/other.svg" in text and "/area/map/2/mexican.svg" in text
    assert "Chiapas" in text and "Oaxaca" in text and "Central and Northern Mexico" in text
    assert 'alt="' in text and "<h1>" in text


def test_self_check_answers_without_storing_anything(client):
    from portline.geofence.models import LocationCheck

    page = client.get(
        "/area/", {"latitude": "17.0732", "longitude": "-96.7266", "accuracy": "", "group": "other"}
    )
    text = page.content.decode()
    assert "Not accepted" in text and "Oaxaca" in text and "Puebla" in text
    page = client.get(
        "/area/", {"latitude": "17.0732", "longitude": "-96.7266", "group": "mexican"}
    )
    assert "inside the area" in page.content.decode()
    assert not LocationCheck.objects.exists()


def test_self_check_reports_bad_input_as_form_errors(client):
    page = client.get("/area/", {"latitude": "95", "longitude": "west", "group": "other"})
    assert page.status_code == 200 and page.content.decode().count('class="error"') == 2


def test_area_page_in_spanish_and_haitian_creole(client):
    client.cookies["django_language"] = "es"
    assert "Dónde se aceptan solicitudes" in client.get("/area/").content.decode()
    client.cookies["django_language"] = "ht"
    assert "Kote yo aksepte demann" in client.get("/area/").content.decode()


def test_map_is_an_svg_with_every_state_labelled(client):
    from portline.geofence.engine import default_index

    response = client.get("/area/map/1/other.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for state in default_index().states:
        assert state.name in svg, state.name
    assert client.get("/area/map/9/other.svg").status_code == 404
    assert client.get("/area/map/1/martians.svg").status_code == 404
