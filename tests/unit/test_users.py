"""Staff passwords are stored as strong salted hashes, never as text."""

from sqlalchemy.orm import Session

from caseportal.models import StaffRole
from caseportal.models import users as users_model
from caseportal.services import users


def test_production_hash_is_scrypt_and_salted(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(users_model, "PASSWORD_METHOD", "scrypt")
    a = users.create_user(session, email="a@example.org", name="A", role=StaffRole.ADMIN, password="long enough pw")
    b = users.create_user(session, email="b@example.org", name="B", role=StaffRole.ADMIN, password="long enough pw")
    assert a.password_hash.startswith("scrypt:") and "long enough" not in a.password_hash
    assert a.password_hash != b.password_hash
    assert a.check_password("long enough pw") and not a.check_password("wrong")
    assert users.authenticate(session, "A@Example.org ", "long enough pw") is a
