"""Number formatting the way readers expect it (zh: 万/亿; en: K/M/B), checked by hand."""

import math

import pytest

from dashboard import formatting as f


@pytest.fixture(params=["zh", "en"])
def lang(request, monkeypatch):
    monkeypatch.setattr(f, "language", lambda: request.param)
    return request.param


@pytest.mark.parametrize("value,zh,en", [
    (321, "321", "321"),
    (25_431, "2.5万", "25.4K"),
    (83_706_000, "8,371万", "83.7M"),
    (540_000_000, "5.4亿", "540.0M"),
    (float("nan"), "—", "—"),
    (None, "—", "—"),
])
def test_big_number(lang, value, zh, en):
    assert f.big_number(value) == (zh if lang == "zh" else en)


def test_percent_and_changes():
    assert f.percent(0.1234) == "12.3%"
    assert f.percent(math.nan) == "—"
    assert f.signed_percent(0.032) == "+3.2%"
    assert f.signed_percent(-0.0004) == "+0.0%"  # not '-0.0%', which st.metric paints red
    assert f.signed_points(-0.0004) == "+0.0 pp"
    assert f.signed_points(0.0123) == "+1.2 pp"
    assert f.signed_percent(None) is None
    assert f.unit_price(22208.987) == "22,208.99"


