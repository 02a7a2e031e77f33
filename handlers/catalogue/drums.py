"""Drum models in words: sizes, woods, heads and finishes in the reader's language."""

from __future__ import annotations

from bot.i18n import Translator
from storage.catalogue import SIZE_DIMENSIONS
from storage.models.catalogue import DrumHead, DrumModel, DrumSize, Finish, Wood


def size_name(t: Translator, size: DrumSize) -> str:
    """Small, medium or large."""
    names = {
        DrumSize.SMALL: t._("small"),
        DrumSize.MEDIUM: t._("medium"),
        DrumSize.LARGE: t._("large"),
    }
    return names[size]


def wood_name(t: Translator, wood: Wood) -> str:
    """The wood's common name."""
    names = {
        Wood.MAHOGANY: t._("mahogany"),
        Wood.JACKFRUIT: t._("jackfruit"),
        Wood.MANGO: t._("mango"),
    }
    return names[wood]


def head_name(t: Translator, head: DrumHead) -> str:
    """The skin of the head."""
    names = {DrumHead.GOAT: t._("goatskin"), DrumHead.COW: t._("cowhide")}
    return names[head]


def finish_name(t: Translator, finish: Finish) -> str:
    """How the body is finished."""
    names = {
        Finish.PLAIN: t._("plain"),
        Finish.PAINTED: t._("painted motif"),
        Finish.CARVED: t._("carved"),
    }
    return names[finish]


def model_name(t: Translator, model: DrumModel) -> str:
    """A short name that fits a button: "Medium · mahogany · goatskin · painted motif"."""
    return t._("{size} · {wood} · {head} · {finish}").format(
        size=size_name(t, model.size).capitalize(),
        wood=wood_name(t, model.wood),
        head=head_name(t, model.head),
        finish=finish_name(t, model.finish),
    )


def size_details(t: Translator, size: DrumSize) -> str:
    """The head diameter and height of a size, e.g. "head 22-25 cm, about 50 cm tall"."""
    dimensions = SIZE_DIMENSIONS[size]
    return t._("head {low}-{high} cm, about {height} cm tall").format(
        low=dimensions.head_min_cm, high=dimensions.head_max_cm, height=dimensions.height_cm
    )
