"""`python -m notify` runs the notify service; `python -m notify migrate` applies its migrations."""

from aftercare_platform.service.main import service_main

from notify.bootstrap import definition

service_main(definition)
