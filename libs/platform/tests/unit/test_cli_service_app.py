"""A service's command group gets --target, --token and --timeout (and their environment variables)
from the kit, into the connection every command reads from the context."""

from __future__ import annotations

import typer
from aftercare_platform.cli.grpc_connection import GrpcConnection
from aftercare_platform.cli.service_app import service_app
from typer.testing import CliRunner


def stub_class(channel: object) -> object:
    return channel


app = service_app("A test group.", service="sla-timer", stub_class=stub_class, default_target="127.0.0.1:50053",
                  timeout=12.0, options=[("grpc.max_send_message_length", 1024)])


@app.command()
def where(ctx: typer.Context) -> None:
    connection: GrpcConnection = ctx.obj
    typer.echo(f"{connection.target} {connection.token or '-'} {connection.timeout} {list(connection.options)}")


def test_defaults_options_and_environment() -> None:
    runner = CliRunner()
    defaults = runner.invoke(app, ["where"], env={"AFTERCARE_TOKEN": "", "AFTERCARE_SLA_TIMER_TARGET": ""})
    given = runner.invoke(app, ["--target", "h:1", "--token", "t0k", "--timeout", "3", "where"])
    from_env = runner.invoke(app, ["where"], env={"AFTERCARE_SLA_TIMER_TARGET": "e:2", "AFTERCARE_TOKEN": "envtok"})
    assert defaults.output.strip() == "127.0.0.1:50053 - 12.0 [('grpc.max_send_message_length', 1024)]"
    assert given.output.split()[:3] == ["h:1", "t0k", "3.0"]
    assert from_env.output.split()[:2] == ["e:2", "envtok"]


def test_a_command_without_a_token_fails_cleanly() -> None:
    @app.command()
    def call(ctx: typer.Context) -> None:
        with ctx.obj.stub():
            pass

    result = CliRunner().invoke(app, ["call"], env={"AFTERCARE_TOKEN": ""})
    assert result.exit_code == 1 and "no token" in result.output


def test_an_option_value_that_cannot_be_sent_ends_the_command_with_its_message() -> None:
    from aftercare_platform.cli.grpc_connection import options_checked
    from aftercare_platform.errors import InvalidArgument

    @app.command()
    def bad(ctx: typer.Context) -> None:
        with options_checked():
            raise InvalidArgument.for_field("--channel", "unknown value 'bogus'")

    result = CliRunner().invoke(app, ["bad"])
    assert result.exit_code == 1 and "error: --channel: unknown value 'bogus'" in result.output
    assert "Traceback" not in result.output
