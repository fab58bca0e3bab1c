"""`python -m cases` runs the cases service; `python -m cases migrate` applies its migrations."""

from aftercare_platform.service.main import service_main

from cases.bootstrap import definition

service_main(definition)
