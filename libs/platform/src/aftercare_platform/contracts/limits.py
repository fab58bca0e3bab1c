"""Limits written into the contracts, which both ends of a call must agree on: one spelling, here."""

# aftercare.cases.v1.CaseService/CreateCases: creations in one call (cases refuses more; intake sends no more)
MAX_CREATIONS_PER_CALL = 100
