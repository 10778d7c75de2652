from xml.etree import ElementTree

from django.contrib.staticfiles import finders

from common.views import FAVICON


def test_favicon_ico_sends_anyone_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == f"/static/{FAVICON}"


def test_every_page_names_the_icon(client):
    body = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="/static/{FAVICON}" type="image/svg+xml">' in body


def test_the_icon_is_an_svg_file_static_files_serve():
    path = finders.find(FAVICON)
    assert path is not None
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
