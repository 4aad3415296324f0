"""What every tab of the workspace shares: the page's constants, who the user is, and the review a page holds."""


from ..models import Grade
from ..pipeline import Pipeline
from ..review.reviews import Review
from ..review.workspace import utc_time

GRADE_CHOICES = [(f"{g.value}: {meaning}", g.value) for g, meaning in zip(
    Grade, ["fully met", "partially met, minor improvements", "partially met, significant improvements", "not met"]
)]
STATUSES = ["addressed", "partly", "missing"]
LOCAL_USER = "local"
# Per question, in this order: the member's text, grade, leave-out box and "you changed" note; the assistant's
# suggestion; the checklist, its point picker and that point's status; the evidence, its quote picker; precedent;
# follow-ups.
QUESTION_FIELDS = 12
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
EMBEDDED = "embedded"
SERVER = "openai-compatible"
FINALISED = "Not saved: the letter is finalised and read-only; the lead can reopen it."


def user_of(request) -> str:
    """The logged-in user where auth is on; one shared local user otherwise."""
    return getattr(request, "username", None) or LOCAL_USER


def saved_at() -> str:
    return f"Saved {utc_time()}"


def review_id_of(value) -> int | None:
    """The review a page holds (a number; the browser may hand it back as text)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_list(spec: str) -> list[str]:
    return [item.strip() for item in spec.split(",") if item.strip()]


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """PANEL_AUTH="alice:secret,bob:other" turns on login; empty leaves the workspace open (loopback only)."""
    pairs = [item.split(":", 1) for item in spec.split(",") if ":" in item]
    return [(user.strip(), password) for user, password in pairs] or None



class Tab:
    """A tab's callbacks over the pipeline and the review store it opens."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.numbers = [q.number for q in pipeline.framework.questions]
        self.auth_on = parse_auth(pipeline.settings.auth) is not None
        self.admins = set(parse_list(pipeline.settings.admins))
        self.users = [user for user, _ in parse_auth(pipeline.settings.auth) or []]

    @property
    def store(self):
        return self.pipeline.reviews

    def _review(self, review_id, request=None) -> Review | None:
        """The review a page holds, if the user may open it (`may_open`); None otherwise, as for no review."""
        review_id = review_id_of(review_id)
        if review_id is None:
            return None
        try:
            review = self.store.get(review_id)
        except KeyError:
            return None
        return review if self.may_open(review, user_of(request)) else None

    def sees_all(self, user: str) -> bool:
        """Without login the workspace is one person's: every review is theirs. With login, admins see every one."""
        return not self.auth_on or user in self.admins

    def may_open(self, review: Review, user: str) -> bool:
        """With login, a member opens only what they were given: the reviews they lead or were added to, and those
        of a round they are on (assistant/review/members.py)."""
        return self.sees_all(user) or self.store.may_see(review.id, user)

    def unknown_user(self, name: str) -> str:
        """Why `name` cannot be added to a review or round ('' where it can): with login, it must be a login."""
        if not name:
            return "Name the user to add."
        if self.auth_on and name not in self.users:
            return f"No user {name!r}: with login on, members are the users of PANEL_AUTH."
        return ""

    def is_admin(self, request) -> bool:
        """Without login the workspace is one person's, on loopback; with login only PANEL_ADMINS are."""
        return not self.auth_on or user_of(request) in self.admins
