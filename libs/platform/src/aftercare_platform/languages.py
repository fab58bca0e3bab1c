"""The languages people are told things in, one spelling on every wire: "zh-CN" and "en"."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"


# what people type for each (any case, "-" or "_"): a registry import from a spreadsheet says "zh" or "English"
_SPOKEN = {"zh-cn": Language.ZH_CN, "zh": Language.ZH_CN, "zh-hans": Language.ZH_CN, "zh-hans-cn": Language.ZH_CN,
           "chinese": Language.ZH_CN, "中文": Language.ZH_CN, "简体中文": Language.ZH_CN,
           "en": Language.EN, "en-us": Language.EN, "en-gb": Language.EN, "english": Language.EN}


def language_of(raw: str) -> Language:
    """The language a tag or name means; ValueError naming the accepted spellings otherwise."""
    found = _SPOKEN.get(raw.strip().replace("_", "-").casefold())
    if found is None:
        raise ValueError(f"{raw!r} is not a language we write in: zh-CN or en")
    return found
