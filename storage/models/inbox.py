"""Members' conversations with the cooperative: their messages and the admins' answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.models.members import Member


class ThreadMessage(BaseModel):
    """One message of a conversation: a member's, or an admin's answer."""

    model_config = ConfigDict(frozen=True)

    id: int
    thread_id: int
    from_member: bool
    # The Telegram user id of who wrote it.
    author: int
    text: str | None = None
    photo_file_id: str | None = None
    sent_at: datetime
    # A member's message once answered: by whom, when, and the reply (None: marked answered).
    answered_at: datetime | None = None
    answered_by: int | None = None
    answer_id: int | None = None

    @property
    def waiting(self) -> bool:
        """Whether this is a member's message still waiting for an answer."""
        return self.from_member and self.answered_at is None


class Thread(BaseModel):
    """A member's conversation with the cooperative, as the inbox shows it."""

    model_config = ConfigDict(frozen=True)

    id: int
    member: Member
    started_at: datetime
    # How many of the member's messages wait for an answer: the thread is open while any do.
    waiting: int
    last: ThreadMessage
    # Who answered the member's newest message, and when (None while it waits).
    answered_by: int | None = None
    answered_at: datetime | None = None

    @property
    def open(self) -> bool:
        """Whether a message of the member's waits for an answer."""
        return self.waiting > 0


class Answer(BaseModel):
    """An admin's reply and the member's messages it answered."""

    model_config = ConfigDict(frozen=True)

    message: ThreadMessage
    answered: tuple[ThreadMessage, ...]
    # False when the update that brought it was delivered again: it was stored before.
    created: bool
