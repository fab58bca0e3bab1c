"""`python -m survey` runs the survey service.

`python -m survey migrate` only applies its migrations (the Kubernetes init container)."""

from aftercare_platform.service.main import service_main

from survey.bootstrap import definition

service_main(definition)
