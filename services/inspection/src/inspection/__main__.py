"""`python -m inspection` runs the inspection service.

`python -m inspection migrate` only applies its migrations (the Kubernetes init container)."""

from aftercare_platform.service.main import service_main

from inspection.bootstrap import definition

service_main(definition)
