"""A Sphinx extension: citations and references that read "et al." for "and others".

BibTeX spells an unknown rest of the author list as ``and others``. sphinxcontrib-bibtex's
author–year style prints that as a second person ("Aldoss and others, 2024"), where a
reader expects "Aldoss *et al.*, 2024". This style treats ``others`` as the *et al.* it
stands for; everything else is sphinxcontrib-bibtex's own ``author_year`` style.
The bibliography entry likewise lists "Ibrahim Aldoss *et al.*" (pybtex's ``plain``
style otherwise prints "Ibrahim Aldoss and others"). Use with
``bibtex_reference_style: author_year_etal``, ``bibtex_default_style: plain_etal`` and this
module in ``extensions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pybtex.plugin
from pybtex.richtext import Tag, Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import field as bib_field
from pybtex.style.template import first_of, node, optional, sentence, tag
from pybtex.style.template import join as pybtex_join
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join

STYLE_NAME = "author_year_etal"
FORMATTING_STYLE_NAME = "plain_etal"


def _is_others(person) -> bool:
    return str(person).strip().lower() == "others"


@node
def names_etal(children, data, role, sep, sep2, last_sep, other):
    """Formatted names of ``role``; a trailing ``others`` becomes *et al.*"""
    assert not children
    persons = data["entry"].persons[role]  # KeyError -> optional[] skips the role
    style = data["style"]
    real = [p for p in persons if not _is_others(p)]
    formatted = [style.person.style_plugin.format(p, style.person.abbreviate) for p in real]
    if len(real) == len(persons):
        return join(sep=sep, sep2=sep2, last_sep=last_sep, other=other)[formatted].format_data(data)
    etal = other if other is not None else Text(" ", Tag("em", "et al."))
    shown = formatted[:1] if other is not None else formatted
    return Text(join(sep=sep)[shown].format_data(data), etal)


@dataclass
class EtAlPersonStyle(PersonStyle):
    """PersonStyle whose name lists read ``others`` as *et al.*"""

    def _kwargs(self, full: bool) -> dict:
        return {
            "sep": self.sep,
            "sep2": self.sep2,
            "last_sep": self.last_sep,
            "other": None if full else self.other,
        }

    def names(self, role: str, full: bool):
        return names_etal(role=role, **self._kwargs(full))

    def author_or_editor_or_title(self, full: bool):
        kwargs = self._kwargs(full)
        return first_of[
            optional[names_etal("author", **kwargs)],
            optional[names_etal("editor", **kwargs)],
            tag("em")[bib_field("title")],
        ]


@dataclass
class AuthorYearEtAlReferenceStyle(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's author–year style with ``others`` read as *et al.*"""

    person: PersonStyle = field(default_factory=EtAlPersonStyle)


@node
def full_names_etal(children, data, role, **kwargs):
    """pybtex's ``names`` for the bibliography, with a trailing ``others`` as *et al.*"""
    assert not children
    persons = data["entry"].persons[role]
    style = data["style"]
    real = [p for p in persons if not _is_others(p)]
    formatted = [style.format_name(p, style.abbreviate_names) for p in real]
    text = pybtex_join(**kwargs)[formatted].format_data(data)
    if len(real) < len(persons):
        return Text(text, " ", Tag("em", "et al."))
    return text


class PlainEtAlStyle(PlainStyle):
    """pybtex's ``plain`` bibliography style with "and others" printed as *et al.*"""

    def format_names(self, role, as_sentence=True):
        formatted = full_names_etal(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted


def setup(app):
    pybtex.plugin.register_plugin("pybtex.style.formatting", FORMATTING_STYLE_NAME, PlainEtAlStyle)
    register_plugin(
        "sphinxcontrib.bibtex.style.referencing", STYLE_NAME, AuthorYearEtAlReferenceStyle
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
