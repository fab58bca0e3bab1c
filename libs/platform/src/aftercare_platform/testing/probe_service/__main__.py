from aftercare_platform.service.main import service_main
from aftercare_platform.testing.probe_service.bootstrap import definition

service_main(definition)
