"""The request-size limit: a huge body is refused with a page in the reader's language, unread."""
from __future__ import annotations

import io

FIFTY_MB = 50 * 1024 * 1024


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts how much of it the app reads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.consumed = 0
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end and back
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset if whence == io.SEEK_SET else self.size + offset
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"a" * count
        self.position += count
        self.consumed += count
        return count


def post_huge_login(client, body: CountingStream):
    return client.post("/login", input_stream=body, content_length=body.size,
                       content_type="application/x-www-form-urlencoded")


def test_a_50_mb_post_to_login_is_refused_without_being_read(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024  # the default of talentbank/config.py
    body = CountingStream(FIFTY_MB)
    response = post_huge_login(client, body)
    assert response.status_code == 413
    assert "送信されたデータが大きすぎます（上限10 MB）" in response.text
    assert body.consumed == 0


def test_the_413_page_speaks_english_when_asked(client):
    client.post("/lang/en", data={"next": "/"})
    response = post_huge_login(client, CountingStream(FIFTY_MB))
    assert response.status_code == 413
    assert "too large" in response.text


def test_the_limit_comes_from_the_environment(monkeypatch):
    from talentbank.config import load_config

    monkeypatch.setenv("TALENTBANK_MAX_CONTENT_LENGTH", "2097152")
    assert load_config()["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    monkeypatch.setenv("TALENTBANK_MAX_CONTENT_LENGTH", "0")
    assert load_config()["MAX_CONTENT_LENGTH"] is None  # 0: no limit
