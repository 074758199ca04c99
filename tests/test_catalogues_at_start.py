"""English does not depend on a set-up step: a start without compiled catalogues compiles them."""
from __future__ import annotations

from talentbank import i18n


def test_a_start_without_compiled_catalogues_still_serves_english(tmp_path, monkeypatch):
    from talentbank.app import create_app

    for mo in i18n.TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.mo"):
        mo.unlink()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert list(i18n.TRANSLATIONS_DIR.glob("en/LC_MESSAGES/messages.mo"))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale, gettext
        with force_locale("en"):
            assert gettext("マイプロフィール") == "My profile"


def test_a_read_only_package_compiles_into_the_fallback_folder(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        if kwargs.get("target") is None:
            raise OSError("read-only file system")
        return original(*args, **kwargs)

    original = i18n.compile_translations
    monkeypatch.setattr(i18n, "compile_translations", refuse)
    folder = i18n.ensure_compiled(tmp_path / "translations")
    assert folder == tmp_path / "translations"
    assert (folder / "en" / "LC_MESSAGES" / "messages.mo").exists()
