"""`python -m console` runs the console service.

`python -m console migrate` only applies its migrations (the Kubernetes init container)."""

from aftercare_platform.service.main import service_main

from console.bootstrap import definition

service_main(definition)
