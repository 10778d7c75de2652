def test_healthz_answers_ok(page, live_url):
    response = page.goto(f"{live_url}/healthz")
    assert response is not None
    assert response.status == 200
    assert page.locator("body").inner_text().strip() == "ok"


def test_response_watch_reports_a_missing_subresource_and_not_the_page(page, live_url, browser):
    """The watch every browser test runs under (conftest.ResponseWatch): a script's
    request the server answers 404 is reported; going to a missing page is not."""
    from tests.browser.conftest import ResponseWatch

    context = browser.new_context()
    try:
        watched = context.new_page()
        watch = ResponseWatch(watched)
        watched.goto(f"{live_url}/no-such-page/")
        assert watch.failures == []
        watched.goto(f"{live_url}/accounts/login/")
        watched.evaluate("url => fetch(url)", f"{live_url}/static/js/no-such-script.js")
        watched.wait_for_timeout(200)
        assert watch.failures == ["GET /static/js/no-such-script.js (fetch) answered 404"]
    finally:
        context.close()
