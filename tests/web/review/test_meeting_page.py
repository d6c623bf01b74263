"""The reviewer's meeting page, who reaches which review page, and drafts that stay private."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.models import LineComment, RunKind, TalkingPoint
from sandbox.spec import RunResult
from tests.conftest import Factory, login
from tests.web.review.conftest import World, page

# --------------------------------------------------------------------------- the meeting page


def test_meeting_page_shows_role_candidate_cases_prompts_and_submissions(client: FlaskClient, world: World,
                                                                         case: CaseSpec) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/meetings/{world.meeting.id}")
    assert world.meeting.job_role.title in html
    assert "Ada Candidate" in html and world.meeting.candidate_email in html
    assert case.title in html
    for prompt in case.reviewer_prompts:
        assert prompt.ask in html and prompt.good in html and prompt.tradeoffs in html
    for focus in case.review_focus:
        assert focus in html
    assert f'href="/review/submissions/{world.submission.id}"' in html
    assert "submitted" in html


def test_meeting_page_lists_a_draft_with_its_status(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/meetings/{world.draft_meeting.id}")
    assert "draft: in progress" in html and f"/review/submissions/{world.draft.id}" in html


def test_blind_review_hides_the_candidate_from_reviewers_not_managers(client: FlaskClient, session: Session,
                                                                      factory: Factory, world: World,
                                                                      case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug], candidate="Blinda Name", blind_review=True)
    sub = factory.submission(m, {"solution.py": b"x = 1\n"}, case=case)
    login(client, world.reviewer)
    for url in (f"/review/meetings/{m.id}", f"/review/submissions/{sub.id}"):
        html = page(client, url)
        assert "Blinda Name" not in html and m.candidate_email not in html and f"#{m.id}" in html
    client.post("/logout")
    login(client, world.manager)
    assert "Blinda Name" in page(client, f"/review/meetings/{m.id}")


# --------------------------------------------------------------------------- access


def _urls(world: World, factory: Factory) -> list[str]:
    f = world.submission.files[0]
    run = factory.run(world.submission, RunResult(outcome="passed", artifacts={"plot.png": b"\x89PNG"}))
    art = run.artifacts[0]
    return [f"/review/meetings/{world.meeting.id}", f"/review/submissions/{world.submission.id}",
            f"/review/submissions/{world.submission.id}/files/{f.id}/raw",
            f"/review/runs/{run.id}/artifacts/{art.id}"]


@pytest.mark.parametrize(("who", "expected"), [("reviewer", 200), ("other", 404), ("manager", 200),
                                               ("admin", 200)])
def test_access_by_role(client: FlaskClient, factory: Factory, world: World, who: str, expected: int) -> None:
    urls = _urls(world, factory)
    login(client, getattr(world, who))
    for url in urls:
        assert client.get(url).status_code == expected, url


def test_other_reviewer_gets_404_for_every_action(client: FlaskClient, session: Session, world: World) -> None:
    point = TalkingPoint(submission_id=world.submission.id, text="p", position=0)
    comment = LineComment(submission_id=world.submission.id, author_id=world.reviewer.id, file_path="solution.py",
                          line=1, body="c")
    session.add_all([point, comment])
    session.commit()
    sid, fid = world.submission.id, world.submission.files[0].id
    login(client, world.other)
    for url, data in [
        (f"/review/submissions/{sid}/points", {"tp-text": "x"}),
        (f"/review/points/{point.id}/edit", {"tp-text": "x"}),
        (f"/review/points/{point.id}/delete", {}),
        (f"/review/points/{point.id}/move", {"direction": "up"}),
        (f"/review/submissions/{sid}/files/{fid}/comments", {f"c{fid}-line": "1", f"c{fid}-body": "x"}),
        (f"/review/comments/{comment.id}/delete", {}),
        (f"/review/submissions/{sid}/reviewed", {}),
        (f"/review/submissions/{sid}/unreviewed", {}),
    ]:
        assert client.post(url, data=data).status_code == 404, url
    assert client.get(f"/review/points/{point.id}/edit").status_code == 404
    assert client.get(f"/review/meetings/{world.meeting.id + 999}").status_code == 404
    assert client.get(f"/review/submissions/{sid + 999}").status_code == 404


def test_anonymous_is_sent_to_login(client: FlaskClient, factory: Factory, world: World) -> None:
    for url in [*_urls(world, factory), "/review/pygments.css"]:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    resp = client.post(f"/review/submissions/{world.submission.id}/reviewed")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# --------------------------------------------------------------------------- drafts are private


def test_draft_shows_not_submitted_yet_and_nothing_of_the_work(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.draft.id}")
    assert "Not handed in yet" in html and "SECRET_DRAFT" not in html
    fid = world.draft.files[0].id
    assert client.get(f"/review/submissions/{world.draft.id}/files/{fid}/raw").status_code == 404
    assert client.post(f"/review/submissions/{world.draft.id}/points", data={"tp-text": "x"}).status_code == 404
    assert client.post(f"/review/submissions/{world.draft.id}/reviewed").status_code == 404


def test_runs_of_drafts_and_practice_runs_stay_private(client: FlaskClient, factory: Factory,
                                                       world: World) -> None:
    practice = factory.run(world.submission, RunResult(outcome="passed", stdout="PRACTICE_OUT",
                                                       artifacts={"p.png": b"\x89PNG"}), kind=RunKind.CHECK)
    draft_run = factory.run(world.draft, RunResult(outcome="passed", artifacts={"d.png": b"\x89PNG"}))
    login(client, world.reviewer)
    assert "PRACTICE_OUT" not in page(client, f"/review/submissions/{world.submission.id}")
    for run in (practice, draft_run):
        assert client.get(f"/review/runs/{run.id}/artifacts/{run.artifacts[0].id}").status_code == 404
