"""The static files go compressed to a browser that asks (Accept-Encoding: gzip): ECharts is served with
Content-Encoding gzip, several times smaller, and unpacks to the very file on disk; without the ask it goes as it is."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from integrations.qtickets_api.dashboard import create_app
from integrations.qtickets_api.service import ReaderPool

ECHARTS = "/static/vendor/echarts/echarts.min.js"
ON_DISK = (
    Path(__file__).resolve().parents[2] / "integrations/qtickets_api/dashboard/static/vendor/echarts/echarts.min.js"
)


@pytest.fixture(scope="module")
def client(readers: ReaderPool) -> Iterator[TestClient]:
    with TestClient(create_app(readers, org_name="Тестовый организатор")) as test_client:
        yield test_client


def raw(client: TestClient, url: str, encoding: str) -> tuple[dict[str, str], bytes]:
    with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as reply:
        assert reply.status_code == 200
        return dict(reply.headers), b"".join(reply.iter_raw())


def test_echarts_goes_gzipped_and_smaller(client: TestClient) -> None:
    headers, body = raw(client, ECHARTS, "gzip")
    assert headers["content-encoding"] == "gzip"
    original = ON_DISK.read_bytes()
    assert len(body) < len(original) / 2, (len(body), len(original))
    assert gzip.decompress(body) == original


def test_without_the_ask_it_goes_as_it_is(client: TestClient) -> None:
    headers, body = raw(client, ECHARTS, "identity")
    assert "content-encoding" not in headers
    assert body == ON_DISK.read_bytes()


def test_the_page_script_and_style_go_gzipped(client: TestClient) -> None:
    for url in ("/static/app.js", "/static/app.css"):
        headers, _ = raw(client, url, "gzip")
        assert headers.get("content-encoding") == "gzip", url
