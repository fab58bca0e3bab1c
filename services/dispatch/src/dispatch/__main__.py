"""`python -m dispatch` runs the dispatch service; `python -m dispatch migrate` applies its migrations."""

from aftercare_platform.service.main import service_main

from dispatch.bootstrap import definition

service_main(definition)
