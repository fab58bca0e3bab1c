"""Questionnaires as versioned data, an answer checked against one, and the unsatisfied rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from aftercare_platform.errors import FieldViolation, InvalidArgument


class QuestionKind(StrEnum):
    RATING = "rating"  # 1..5
    SCORE = "score"  # 0..10, likelihood to recommend (NPS)
    YES_NO = "yes_no"
    TEXT = "text"


@dataclass(frozen=True)
class Question:
    key: str
    kind: QuestionKind
    # label per language ("zh-CN", "en")
    labels: dict[str, str]
    required: bool = True


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    questions: tuple[Question, ...]
    # a company's own questionnaire; None is the default for every company
    company_id: str | None = None

    @property
    def ref(self) -> str:
        """What an invitation records, so its answer is read against the version it was sent with."""
        return f"{self.key}@{self.version}" + (f"/{self.company_id}" if self.company_id else "")

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


_RANGES = {QuestionKind.RATING: (1, 5), QuestionKind.SCORE: (0, 10)}
MAX_TEXT = 2000


@dataclass(frozen=True)
class Answer:
    """A customer's answer: integers for ratings/scores, booleans for yes/no, text for comments."""

    values: dict[str, int | bool | str] = field(default_factory=dict)

    def rating(self, key: str) -> int | None:
        value = self.values.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, key: str) -> bool | None:
        value = self.values.get(key)
        return value if isinstance(value, bool) else None

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return value if isinstance(value, str) else ""


def _read(question: Question, text: str) -> int | bool | str:
    """One field's value, or ValueError saying what is wrong with it."""
    if question.kind is QuestionKind.TEXT:
        if len(text) > MAX_TEXT:
            raise ValueError(f"is longer than {MAX_TEXT} characters")
        return text
    if question.kind is QuestionKind.YES_NO:
        if text not in ("yes", "no"):
            raise ValueError("must be yes or no")
        return text == "yes"
    low, high = _RANGES[question.kind]
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return int(text)


def parse_answer(questionnaire: Questionnaire, raw: dict[str, str]) -> Answer:
    """Form fields (strings) to a typed answer; every missing or wrong field is named at once."""
    values: dict[str, int | bool | str] = {}
    violations: list[FieldViolation] = []
    for question in questionnaire.questions:
        text = (raw.get(question.key) or "").strip()
        if not text:
            if question.required:
                violations.append(FieldViolation(question.key, "is required"))
            continue
        try:
            values[question.key] = _read(question, text)
        except ValueError as wrong:
            violations.append(FieldViolation(question.key, str(wrong)))
    if violations:
        raise InvalidArgument("; ".join(f"{v.field}: {v.description}" for v in violations), violations=violations)
    return Answer(values)


def is_unsatisfied(answer: Answer, *, threshold: int) -> bool:
    """Unsatisfied: the overall rating at or below the threshold, or the problem not resolved."""
    overall = answer.rating("overall")
    return (overall is not None and overall <= threshold) or answer.flag("resolved") is False


def _q(key: str, kind: QuestionKind, zh: str, en: str, required: bool = True) -> Question:
    return Question(key, kind, {"zh-CN": zh, "en": en}, required)


# the case questionnaire every company gets unless it has its own
DEFAULT_CASE_QUESTIONNAIRE = Questionnaire("case", 1, (
    _q("overall", QuestionKind.RATING, "总体满意度", "Overall satisfaction"),
    _q("response_speed", QuestionKind.RATING, "响应速度", "Response speed"),
    _q("attitude", QuestionKind.RATING, "服务态度", "Engineer's attitude"),
    _q("resolved", QuestionKind.YES_NO, "问题是否已解决", "Was the problem resolved?"),
    _q("recommend", QuestionKind.SCORE, "您向同事推荐我们服务的可能性 (0–10)",
       "How likely are you to recommend our service to a colleague? (0–10)", required=False),
    _q("comment", QuestionKind.TEXT, "意见和建议", "Comments", required=False),
))

# the half-yearly questionnaire about the maintenance service in general
DEFAULT_CAMPAIGN_QUESTIONNAIRE = Questionnaire("half_yearly", 1, (
    _q("overall", QuestionKind.RATING, "对维护服务的总体满意度", "Overall satisfaction with the maintenance service"),
    _q("response_speed", QuestionKind.RATING, "响应速度", "Response speed"),
    _q("attitude", QuestionKind.RATING, "服务态度", "Attitude of our staff"),
    _q("resolved", QuestionKind.YES_NO, "问题是否都得到解决", "Were your problems resolved?"),
    _q("recommend", QuestionKind.SCORE, "推荐可能性 (0–10)", "Likelihood to recommend (0–10)", required=False),
    _q("comment", QuestionKind.TEXT, "意见和建议", "Comments", required=False),
))


class QuestionnaireCatalog:
    """Versioned questionnaires; the newest version of a company's own questionnaire wins."""

    def __init__(self, questionnaires: tuple[Questionnaire, ...] = (DEFAULT_CASE_QUESTIONNAIRE,
                                                                   DEFAULT_CAMPAIGN_QUESTIONNAIRE)) -> None:
        self._all = questionnaires

    def current(self, key: str, company_id: str | None) -> Questionnaire:
        def newest(company: str | None) -> Questionnaire | None:
            found = [q for q in self._all if q.key == key and q.company_id == company]
            return max(found, key=lambda q: q.version) if found else None

        chosen = (newest(company_id) if company_id else None) or newest(None)
        if chosen is None:
            raise InvalidArgument.for_field("questionnaire", f"no questionnaire {key!r}")
        return chosen

    def by_ref(self, ref: str) -> Questionnaire:
        for q in self._all:
            if q.ref == ref:
                return q
        raise InvalidArgument.for_field("questionnaire", f"unknown questionnaire {ref!r}")


# what the unsatisfied rule and the figures read: a case questionnaire must ask these
_CASE_NEEDS = {"overall": QuestionKind.RATING, "resolved": QuestionKind.YES_NO}


def questionnaires_from_data(data: object) -> tuple[Questionnaire, ...]:
    """Questionnaires from plain data (a YAML or JSON document: {"questionnaires": [...]}); a wrong entry
    is named by its path."""
    entries = data.get("questionnaires") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InvalidArgument.for_field("questionnaires", "must be a list")
    found = []
    for n, entry in enumerate(entries):
        where = f"questionnaires[{n}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or \
                not isinstance(entry.get("version"), int) or not isinstance(entry.get("questions"), list):
            raise InvalidArgument.for_field(where, "needs key (text), version (number) and questions (list)")
        questions = []
        for m, raw in enumerate(entry["questions"]):
            try:
                questions.append(Question(str(raw["key"]), QuestionKind(raw["kind"]),
                                          {str(k): str(v) for k, v in dict(raw["labels"]).items()},
                                          bool(raw.get("required", True))))
            except (KeyError, TypeError, ValueError):
                raise InvalidArgument.for_field(
                    f"{where}.questions[{m}]", "needs key, kind (rating, score, yes_no, text) and labels") from None
        questionnaire = Questionnaire(entry["key"], entry["version"], tuple(questions), entry.get("company_id"))
        if questionnaire.key == "case":
            for key, kind in _CASE_NEEDS.items():
                asked = questionnaire.question(key)
                if asked is None or asked.kind is not kind:
                    raise InvalidArgument.for_field(f"{where}.questions", f"a case questionnaire asks {key} ({kind})")
        found.append(questionnaire)
    return tuple(found)
