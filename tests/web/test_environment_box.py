"""The run-environment box on the candidate's and the staff's case pages, from a recorded probe."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.case_runs import limits_for
from caseportal.models import StaffRole
from caseportal.services import runtimes
from tests.conftest import Factory, candidate_page, environment_box, login

DATASCI = {"python": "3.11.2", "image_id": "sha256:abc", "packages": {
    "pytest": "7.2.1", "numpy": "1.24.2", "pandas": "1.5.3", "scikit-learn": "1.2.1", "matplotlib": "3.6.3",
    "nbclient": "0.7.2", "sqlite": "3.40.1"}}


def test_the_box_shows_the_recorded_versions_and_the_cases_limits(client: FlaskClient, factory: Factory,
                                                                   session: Session) -> None:
    slug = "bakery-demand-forecast"
    runtimes.record(session, "datasci", "caseportal/runtime-datasci:abc", DATASCI)
    session.commit()
    box = environment_box(candidate_page(client, factory, slug))
    limits = limits_for(factory.app.extensions["caseportal.casebook"].get(slug))
    assert box == {
        "Python": "3.11.2", "NumPy": "1.24.2", "pandas": "1.5.3", "scikit-learn": "1.2.1", "Matplotlib": "3.6.3",
        "nbclient": "0.7.2", "pytest": "7.2.1", "SQLite": "3.40.1",
        "Time limit per run": f"{limits.timeout_s:g} s", "Memory": "1.5 GB", "Processor": "1 CPU core",
        "Processes and threads": f"at most {limits.pids}",
    }
    assert limits.memory_mb == 1536  # what "1.5 GB" above stands for


def test_before_the_images_are_built_the_box_says_so_and_shows_the_limits(client: FlaskClient,
                                                                           factory: Factory) -> None:
    page = candidate_page(client, factory, "api-rate-limiter")
    box = environment_box(page)
    assert box is not None and "Python" not in box
    assert box["Time limit per run"] == "60 s" and box["Memory"] == "256 MB"
    assert "versions appear here once the sandbox images are built" in page


def test_another_runtimes_probe_is_not_shown(client: FlaskClient, factory: Factory, session: Session) -> None:
    runtimes.record(session, "datasci", "caseportal/runtime-datasci:abc", DATASCI)
    session.commit()
    box = environment_box(candidate_page(client, factory, "api-rate-limiter"))  # a python case
    assert box is not None and "pandas" not in box and "Python" not in box


def test_a_case_with_runtime_none_has_no_box(client: FlaskClient, factory: Factory, session: Session) -> None:
    runtimes.record(session, "python", "caseportal/runtime-python:abc", {"python": "3.11.2", "packages": {}})
    session.commit()
    page = candidate_page(client, factory, "booking-flow-critique")
    assert environment_box(page) is None and "run-env-h" not in page


def test_the_box_in_swedish(client: FlaskClient, factory: Factory, session: Session) -> None:
    runtimes.record(session, "datasci", "caseportal/runtime-datasci:abc", DATASCI)
    session.commit()
    page = candidate_page(client, factory, "subscription-churn", lang="sv")
    box = environment_box(page)
    assert box is not None
    assert box["pandas"] == "1.5.3" and box["Python"] == "3.11.2"
    assert box["Minne"] == "1,5 GB"  # a Swedish decimal comma
    assert box["Processor"] == "1 processorkärna"
    assert box["Tidsgräns per körning"] == "240 s"
    assert box["Processer och trådar"] == "högst 256"
    assert "Testmiljö" in page and "Run environment" not in page


def test_the_box_in_swedish_before_the_images_are_built(client: FlaskClient, factory: Factory) -> None:
    page = candidate_page(client, factory, "api-rate-limiter", lang="sv")
    assert "Exakta versioner av Python och paketen visas här" in page


def test_the_staff_case_page_shows_the_box_and_where_it_came_from(client: FlaskClient, factory: Factory,
                                                                  session: Session) -> None:
    runtimes.record(session, "datasci", "caseportal/runtime-datasci:abc", DATASCI)
    session.commit()
    login(client, factory.user(StaffRole.MANAGER))
    page = client.get("/cases/bakery-demand-forecast").get_data(as_text=True)
    box = environment_box(page)
    assert box is not None and box["pandas"] == "1.5.3" and box["Memory"] == "1.5 GB"
    assert "caseportal/runtime-datasci:abc" in page
    none_page = client.get("/cases/booking-flow-critique").get_data(as_text=True)
    assert environment_box(none_page) is None
