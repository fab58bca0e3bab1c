from notify.domain.digest import HeldItem, email_digest, sms_digest
from notify.domain.sms_length import sms_length

URL = "https://console.example/n"


def storm(n: int, distinct: int) -> list[HeldItem]:
    return [HeldItem(f"EA-20261121-{i % distinct:06d}", "sla.warning") for i in range(n)]


def test_two_hundred_warnings_fit_two_sms_parts_in_both_languages() -> None:
    for language in ("en", "zh-CN"):
        text = sms_digest(storm(200, 40), language, URL)
        assert sms_length(text).segments <= 2, text
        assert "200" in text and URL in text


def test_digest_names_as_many_cases_as_fit_and_counts_the_rest() -> None:
    text = sms_digest(storm(195, 40), "en", URL)
    shown = text.count("EA-20261121-")
    assert 0 < shown < 40
    assert f"+{40 - shown} more" in text


def test_few_items_are_all_named_in_one_part() -> None:
    text = sms_digest(storm(2, 2), "en", URL, max_segments=1)
    assert sms_length(text).segments == 1
    assert "EA-20261121-000000" in text and "EA-20261121-000001" in text and "more" not in text


def test_email_digest_lists_every_case() -> None:
    subject, body = email_digest(storm(50, 50), "en", URL)
    assert "50" in subject
    assert body.count("EA-20261121-") == 50
