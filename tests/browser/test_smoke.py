def test_healthz_answers_ok(page, live_url):
    response = page.goto(f"{live_url}/healthz")
    assert response is not None
    assert response.status == 200
    assert page.locator("body").inner_text().strip() == "ok"
