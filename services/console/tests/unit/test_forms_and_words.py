"""CSRF tokens, signed cookies, redirect targets, report arithmetic, and the two languages' words."""

import re
from datetime import UTC, datetime, timedelta
from importlib.resources import files

from console.domain.forms import csrf_ok, csrf_token, local_path, new_request_id, signed, unsigned, valid_request_id
from console.domain.i18n import TEXT, language
from console.domain.reports import ageing_buckets, compliance_table


def test_a_csrf_token_is_bound_to_its_session() -> None:
    token = csrf_token("s" * 32, "session-a")
    assert csrf_ok("s" * 32, "session-a", token)
    assert not csrf_ok("s" * 32, "session-b", token)
    assert not csrf_ok("s" * 32, "session-a", None)
    assert not csrf_ok("t" * 32, "session-a", token)


def test_signed_cookies_refuse_an_edit_and_redirects_stay_on_the_site() -> None:
    cookie = signed("k" * 32, "state verifier /queue")
    assert unsigned("k" * 32, cookie) == "state verifier /queue"
    assert unsigned("k" * 32, cookie.replace("/queue", "/admin")) is None
    assert unsigned("k" * 32, None) is None
    assert local_path("/cases/EA-1", "/") == "/cases/EA-1"
    assert local_path("//evil.example/x", "/") == "/"
    assert local_path("https://evil.example", "/queue") == "/queue"


def test_request_ids_are_fresh_and_checked() -> None:
    first, second = new_request_id(), new_request_id()
    assert first != second and valid_request_id(first)
    assert not valid_request_id("1; drop") and not valid_request_id(None)


def test_report_totals_and_ageing() -> None:
    table = compliance_table([("P1", "first_response", "2026-11", "east", "acme", 3, 1, "eng-zhao"),
                              ("P1", "restore", "2026-11", "east", "acme", 1, 0, "eng-li"),
                              ("P2", "first_response", "2026-10", "west", "boreal", 0, 2, "eng-zhao")])
    assert table["by_priority"] == [("P1", 4, 1, 80.0), ("P2", 0, 2, 0.0)]
    assert table["by_month"] == [("2026-10", 0, 2, 0.0), ("2026-11", 4, 1, 80.0)]
    assert table["by_engineer"] == [("eng-li", 1, 0, 100.0), ("eng-zhao", 3, 3, 50.0)]
    assert table["by_company"] == [("acme", 4, 1, 80.0), ("boreal", 0, 2, 0.0)]
    assert table["by_region"] == [("east", 4, 1, 80.0), ("west", 0, 2, 0.0)]
    now = datetime(2026, 11, 21, tzinfo=UTC)
    ages = [now - timedelta(hours=2), now - timedelta(days=2), now - timedelta(days=5), now - timedelta(days=30)]
    assert ageing_buckets(ages, now) == [("age_0", 1), ("age_1", 1), ("age_2", 1), ("age_3", 1)]


def test_both_languages_say_every_word_and_zh_cn_is_the_default() -> None:
    assert TEXT["zh-CN"].keys() == TEXT["en"].keys()
    assert all(value.strip() for table in TEXT.values() for value in table.values())
    assert language(None, "", "fr") == "zh-CN"
    assert language(None, "en") == "en" and language("en-GB") == "en" and language("zh-TW") == "zh-CN"


def test_templates_hold_no_words_of_their_own() -> None:
    """Every word a page shows comes from TEXT: outside tags and {{ }} / {% %} no letter is left."""
    folder = files("console").joinpath("templates")
    names = [p for p in folder.iterdir() if p.name.endswith(".html")]
    names += [p for p in folder.joinpath("forms").iterdir() if p.name.endswith(".html")]
    for template in names:
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
        text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]*>", " ", text, flags=re.S)
        leftovers = [word for word in re.findall(r"[A-Za-z\u4e00-\u9fff]{2,}", text)
                     if word not in ("中文", "English")]  # the language switch names each language in itself
        assert not leftovers, f"{template.name} shows untranslated words: {leftovers}"
