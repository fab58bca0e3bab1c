"""A cases service in memory: what survey's worker calls, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from survey.adapters.cases_gateway import CasesRefused, CasesUnavailable, CaseView


@dataclass
class FakeCases:
    cases: dict[str, CaseView] = field(default_factory=dict)
    down: bool = False
    reopens: list[tuple[str, str]] = field(default_factory=list)
    reopen_request_ids: list[str] = field(default_factory=list)
    complaints: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: dict[str, tuple[str, str, bool]] = field(default_factory=dict)

    def add(self, case_id: str, *, email: str = "li@example.cn", phone: str = "", status: str = "closed",
            reopen_count: int = 0) -> None:
        self.cases[case_id] = CaseView(case_id, f"EA-{case_id}", "acme", status, reopen_count, "Li Lei", phone, email)

    def _case(self, case_id: str) -> CaseView:
        if self.down:
            raise CasesUnavailable("UNAVAILABLE: cases is down")
        if case_id not in self.cases:
            raise CasesRefused("NOT_FOUND", f"case {case_id} not found")
        return self.cases[case_id]

    async def get_case(self, case_id: str) -> CaseView:
        return self._case(case_id)

    async def reopen(self, case_id: str, reason: str, *, request_id: str) -> None:
        if request_id in self.reopen_request_ids:
            return  # as cases does: the same request id reopens once
        case = self._case(case_id)
        if case.status != "closed":
            raise CasesRefused("FAILED_PRECONDITION", f"case is {case.status}")
        self.cases[case_id] = replace(case, status="reopened", reopen_count=case.reopen_count + 1)
        self.reopens.append((case_id, reason))
        self.reopen_request_ids.append(request_id)

    async def file_complaint(self, case_id: str, *, company_id: str, complainant: str, about: str,
                             text: str) -> None:
        case = self._case(case_id)
        self.cases[case_id] = replace(case, complaint_texts=(*case.complaint_texts, text))
        self.complaints.append((case_id, company_id, about, text))

    async def add_note(self, case_id: str, *, text: str, request_id: str, internal: bool) -> None:
        self._case(case_id)
        self.notes.setdefault(request_id, (case_id, text, internal))  # cases applies a request id once
