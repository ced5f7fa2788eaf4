"""The app itself: security headers on every answer, clean error pages, static files."""

from __future__ import annotations

from archive.web.security import PAGE_POLICY


def test_home_answers_with_the_layout_and_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == PAGE_POLICY
    assert "script-src 'self'" in PAGE_POLICY and "unsafe-inline" not in PAGE_POLICY
    assert "frame-ancestors 'none'" in PAGE_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    body = response.text
    assert '<link rel="stylesheet" href="/static/redline.css">' in body
    assert '<script src="/static/redline.js" defer></script>' in body
    assert "<script>" not in body  # no inline script anywhere
    assert 'type="application/atom+xml"' in body


def test_static_files_are_served_with_the_headers(client):
    css = client.get("/static/redline.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text
    assert css.headers["x-content-type-options"] == "nosniff"
    js = client.get("/static/redline.js")
    assert js.status_code == 200 and "keydown" in js.text
    assert client.get("/static/nothing.css").status_code == 404


def test_an_unknown_page_is_a_clean_html_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not Found" in response.text and "Traceback" not in response.text
    assert response.headers["content-security-policy"] == PAGE_POLICY


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


def test_a_wrong_method_is_a_clean_405(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
