"""HTTP header names that more than one service reads or writes: one spelling for all of them."""

from __future__ import annotations

# a front end the receiving service trusts (the console, to intake's web form) names the end user it acts for
END_CLIENT_HEADER = "X-Aftercare-End-Client"
