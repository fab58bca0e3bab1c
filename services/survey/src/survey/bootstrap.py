"""The one place that builds the survey service's adapters and wires them to its entry points."""

from __future__ import annotations

from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from survey.adapters.tables import metadata
from survey.entrypoints.consumers import subscriptions
from survey.entrypoints.grpc_api import SurveyServicer
from survey.entrypoints.http_api import router
from survey.handlers import SurveyHandlers
from survey.reads import SurveyReads
from survey.settings import SurveySettings


async def build(infra: Infrastructure[SurveySettings]) -> ServiceParts:
    handlers = SurveyHandlers(infra.database, region=infra.settings.region)
    reads = SurveyReads(infra.database)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(survey_pb2_grpc.add_SurveyServiceServicer_to_server,
                                     SurveyServicer(handlers, reads))],
        http_routers=[router(reads)],
        subscriptions=subscriptions(handlers),
    )


definition = ServiceDefinition(
    name="survey",
    package="survey",
    settings_class=SurveySettings,
    metadata=metadata,
    build=build,
    # the services it calls or listens to, so `aftercare run` starts them first: e.g. ("cases",)
    start_after=(),
)
