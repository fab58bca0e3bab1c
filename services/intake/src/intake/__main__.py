"""`python -m intake` runs the intake service; `python -m intake migrate` applies its migrations."""

from aftercare_platform.service.main import service_main

from intake.bootstrap import definition

service_main(definition)
