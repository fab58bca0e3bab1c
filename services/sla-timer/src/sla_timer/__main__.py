"""`python -m sla_timer` runs the sla-timer service; `python -m sla_timer migrate` applies its migrations."""

from aftercare_platform.service.main import service_main

from sla_timer.bootstrap import definition

service_main(definition)
