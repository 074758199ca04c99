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


def _catalogue_copy(tmp_path, monkeypatch):
    """A private copy of the translations folder, so that the tests may age and edit it."""
    import shutil

    folder = tmp_path / "translations"
    po = folder / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(i18n.TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po", po)
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", folder)
    return po, po.with_suffix(".mo")


def _english(mo_path, message: str) -> str:
    import gettext

    with mo_path.open("rb") as handle:
        return gettext.GNUTranslations(handle).gettext(message)


def test_a_missing_catalogue_is_compiled_and_a_current_one_is_left_alone(tmp_path, monkeypatch):
    po, mo = _catalogue_copy(tmp_path, monkeypatch)
    assert i18n.ensure_compiled(tmp_path / "fallback") == po.parent.parent.parent
    assert _english(mo, "マイプロフィール") == "My profile"
    assert i18n.compile_translations() == []  # nothing changed: nothing written


def test_a_catalogue_compiled_from_another_po_is_recompiled_even_when_it_looks_newer(tmp_path, monkeypatch):
    import os

    po, mo = _catalogue_copy(tmp_path, monkeypatch)
    i18n.ensure_compiled(tmp_path / "fallback")
    # The .po changes (a deployment copies a new one) but keeps an older time than the compiled catalogue.
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "My profile"', 'msgstr "Your profile"'),
                  encoding="utf-8")
    os.utime(po, (mo.stat().st_mtime - 3600, mo.stat().st_mtime - 3600))
    i18n.ensure_compiled(tmp_path / "fallback")
    assert _english(mo, "マイプロフィール") == "Your profile"


def test_a_catalogue_compiled_elsewhere_without_its_source_mark_is_recompiled(tmp_path, monkeypatch):
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po, mo = _catalogue_copy(tmp_path, monkeypatch)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    catalog["マイプロフィール"].string = "Stale profile"
    with mo.open("wb") as handle:  # as `pybabel compile` of an older .po would leave it, dated now
        write_mo(handle, catalog)
    assert i18n.compiled_from(mo) is None
    assert i18n.compile_translations() == [mo]
    assert _english(mo, "マイプロフィール") == "My profile"


def test_a_damaged_catalogue_is_recompiled(tmp_path, monkeypatch):
    po, mo = _catalogue_copy(tmp_path, monkeypatch)
    mo.write_bytes(b"not a catalogue")
    assert i18n.compile_translations() == [mo]
    assert _english(mo, "マイプロフィール") == "My profile"
