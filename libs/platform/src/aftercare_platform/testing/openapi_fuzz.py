"""A bounded schemathesis run over a running service's OpenAPI, with a valid token: the CLI in a
subprocess, so a service serving in the test's own event loop keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

# no 5xx, and every answer as the document says: its schema, content type, status code, and a method
# the path does not take answered 405 with an Allow header that names the ones it does (the default
# checks only the 5xx: pass `checks=CHECKS`)
CHECKS = ("not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance,"
          "unsupported_method,allow_header_conformance")


@dataclass(frozen=True)
class OpenApiRun:
    exit_code: int
    output: str

    @property
    def server_errors(self) -> bool:
        return "not_a_server_error" in self.output and "FAILED" in self.output.upper()


async def run_schemathesis(base_url: str, token: str, *, max_examples: int = 15, seed: int = 7,
                           checks: str = "not_a_server_error", timeout_seconds: float = 600) -> OpenApiRun:
    executable = str(Path(sys.executable).parent / "schemathesis")
    process = await asyncio.create_subprocess_exec(
        executable, "run", f"{base_url}/openapi.json", "--url", base_url, "--checks", checks,
        "--max-examples", str(max_examples), "--seed", str(seed), "--generation-deterministic",
        "--header", f"Authorization: Bearer {token}", "--request-timeout", "30", "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout_seconds)
    return OpenApiRun(process.returncode or 0, output.decode("utf-8", errors="replace"))
