"""One spelling of a language on every wire, whatever people type."""

import pytest
from aftercare_platform.languages import Language, language_of


@pytest.mark.parametrize("typed", ["zh-CN", "zh", "ZH_cn", "中文", " zh-Hans "])
def test_chinese_in_its_spellings(typed: str) -> None:
    assert language_of(typed) is Language.ZH_CN


@pytest.mark.parametrize("typed", ["en", "en-US", "English", "EN_gb"])
def test_english_in_its_spellings(typed: str) -> None:
    assert language_of(typed) is Language.EN


def test_another_language_is_refused_with_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match="zh-CN or en"):
        language_of("fr")
