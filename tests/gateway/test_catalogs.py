"""Every word the pages show is in the English and the Somali catalog, with a Somali
translation that keeps its placeholders (extracted with Babel, compared with the .po files)."""
import re

import pytest
from babel.messages.pofile import read_po

from services.gateway.web import i18n, messages

PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


def catalog(code: str):
    with i18n.catalog_path(code).open("rb") as po:
        return read_po(po, locale=code)


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_every_message_of_the_pages_is_in_the_catalog(code):
    extracted = {message.id for message in messages.extracted() if message.id}
    known = {message.id for message in catalog(code) if message.id}
    assert len(extracted) > 300
    assert sorted(extracted - known) == [], "run: python -m services.gateway.web.messages, then translate"


def test_every_somali_message_is_translated_with_its_placeholders():
    for message in catalog("so"):
        if message.id:
            assert message.string, message.id
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_the_catalogs_compile_and_somali_reads_left_to_right():
    assert i18n.translations("so").gettext("Sign in") == "Gal"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"
    assert i18n.direction("so") == i18n.direction("en") == "ltr"
