"""Questionnaires as data: a company's own from the settings' YAML file; a wrong entry named by its path."""

from pathlib import Path

import pytest
from aftercare_platform.errors import InvalidArgument
from survey.bootstrap import catalog_of
from survey.domain.questionnaire import QuestionKind, questionnaires_from_data
from survey.settings import SurveySettings

ACME = """
questionnaires:
  - key: case
    version: 2
    company_id: acme
    questions:
      - {key: overall, kind: rating, labels: {zh-CN: 总体评价, en: Overall}}
      - {key: resolved, kind: yes_no, labels: {zh-CN: 已解决吗, en: "Resolved?"}}
      - {key: site_tidy, kind: yes_no, labels: {zh-CN: 现场是否整洁, en: "Was the site left tidy?"}, required: false}
"""


def test_a_company_questionnaire_from_the_file_wins_for_that_company_only(tmp_path: Path) -> None:
    path = tmp_path / "questionnaires.yaml"
    path.write_text(ACME, encoding="utf-8")
    catalog = catalog_of(SurveySettings(questionnaires_file=path))
    own = catalog.current("case", "acme")
    assert (own.ref, [q.key for q in own.questions]) == ("case@2/acme", ["overall", "resolved", "site_tidy"])
    assert own.question("site_tidy").kind is QuestionKind.YES_NO  # type: ignore[union-attr]
    assert catalog.current("case", "other").ref == "case@1"
    assert catalog.by_ref("case@2/acme") is own


@pytest.mark.parametrize(("data", "field"), [
    ({"questionnaires": "no"}, "questionnaires"),
    ({"questionnaires": [{"key": "case", "questions": []}]}, "questionnaires[0]"),
    ({"questionnaires": [{"key": "x", "version": 1, "questions": [{"key": "a", "kind": "stars", "labels": {}}]}]},
     "questionnaires[0].questions[0]"),
    ({"questionnaires": [{"key": "case", "version": 3, "questions": [
        {"key": "overall", "kind": "rating", "labels": {"en": "Overall"}}]}]}, "questionnaires[0].questions"),
])
def test_a_wrong_entry_is_named(data: object, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        questionnaires_from_data(data)
    assert refused.value.violations[0].field == field
