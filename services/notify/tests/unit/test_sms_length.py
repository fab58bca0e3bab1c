from notify.domain.sms_length import SmsEncoding, fits, sms_length


def test_gsm7_single_and_split_at_160_and_153() -> None:
    assert sms_length("a" * 160).segments == 1
    assert sms_length("a" * 161).segments == 2
    assert sms_length("a" * 306).segments == 2
    assert sms_length("a" * 307).segments == 3
    assert sms_length("a" * 160).encoding is SmsEncoding.GSM7


def test_extension_characters_count_twice() -> None:
    assert sms_length("€" * 80).units == 160
    assert sms_length("€" * 80).segments == 1
    assert sms_length("€" * 81).segments == 2
    # 152 septets then a 2-septet character: the pair is not cut, it starts the second part
    assert sms_length("a" * 152 + "€" + "a" * 152).segments == 3


def test_ucs2_single_and_split_at_70_and_67() -> None:
    assert sms_length("故" * 70).encoding is SmsEncoding.UCS2
    assert sms_length("故" * 70).segments == 1
    assert sms_length("故" * 71).segments == 2
    assert sms_length("故" * 134).segments == 2
    assert sms_length("故" * 135).segments == 3


def test_one_non_gsm_character_makes_the_whole_text_ucs2() -> None:
    text = "Case EA-1 assigned " + "a" * 60 + "。"
    assert sms_length(text).encoding is SmsEncoding.UCS2
    assert sms_length(text).segments == 2


def test_surrogate_pairs_take_two_units_and_are_never_split() -> None:
    assert sms_length("🔥" * 35).units == 70
    assert sms_length("🔥" * 35).segments == 1
    assert sms_length("a" * 66 + "🔥" + "a" * 66).segments == 3


def test_empty_text_takes_no_segment_and_fits() -> None:
    assert sms_length("").segments == 0
    assert fits("", 1)
