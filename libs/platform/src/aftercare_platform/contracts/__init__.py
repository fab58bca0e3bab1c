"""The contracts kit: one spelling of every enum value (`EnumMap`), the payload message of every
CloudEvent type (`event_types`), the case snapshot every case event carries (`case_snapshot`) and
proto messages as REST JSON (`rest_json`)."""

from aftercare_platform.contracts.enum_map import EnumMap, short_form

__all__ = ["EnumMap", "short_form"]
