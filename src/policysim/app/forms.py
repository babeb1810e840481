"""Forms generated from the pay-scheme schema: one input per field of the pydantic models.

Nothing here lists a scheme's parts by hand. A :class:`ModelEditor` walks a model's fields
(:mod:`policysim.config.pay`) and picks an editor by the field's type, the way a tax form
has a box per line of the law:

- a number -> a number box (empty for "not given");
- one of a few names (``Literal``) -> a drop-down;
- an optional part (commission, KPI, contest, ranking) -> a tick box that shows its fields;
- a mapping from names to parts (the KPI lines) -> one ticked row per name;
- a list of parts (the KPI tiers) -> rows, with a spare one to add a tier.

An editor gives back plain data with only the keys that are set (:meth:`get`), so the
scenario file written from it says what the manager chose and the validation of
:mod:`policysim.config.validate` judges it. A problem found there comes back as a dotted key
(``kpi.metrics.rating.floor``); :meth:`find` returns the editor of that key, which shows
the message beside its input. A field added to the schema appears on the page by itself.
"""

from __future__ import annotations

import abc
import types
from typing import Any, Literal, Union, get_args, get_origin

import panel as pn
from pydantic import BaseModel

#: Fields the page sets itself (a schedule is the switch day, not a form).
SKIP = {"schedule"}
_ERROR_STYLE = {"color": "#b00020", "font-size": "12px", "white-space": "pre-wrap"}


def _optional(annotation: Any) -> tuple[Any, bool]:
    """(inner type, True) for ``X | None``; (annotation, False) otherwise."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(annotation)):
            return args[0], True
    return annotation, False


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _doc(model: type[BaseModel]) -> str:
    """A model's docstring as one line of plain text (what the part does)."""
    return " ".join((model.__doc__ or "").replace("``", "").split())


def css(path: tuple[str, ...]) -> str:
    """The CSS class of the editor at ``path`` (how tests and styles find an input)."""
    return "f-" + "-".join(str(p) for p in path)


class Messages:
    """The place of one key path on the page, where problems with it are shown.

    A bare :class:`Messages` has no input (the store picker's and the general messages);
    an :class:`Editor` adds the input.
    """

    def __init__(self, path: tuple[str, ...]):
        self.path = path
        self.view = pn.Column(margin=0)
        self._message: pn.pane.HTML | None = None

    @property
    def message(self) -> pn.pane.HTML:
        """The pane of this editor's problem, made (and put under the input) when first
        needed: a page has hundreds of inputs and few problems."""
        if self._message is None:
            self._message = pn.pane.HTML("", visible=False, styles=_ERROR_STYLE,
                                         css_classes=["field-error", css(self.path) + "-error"],
                                         sizing_mode="stretch_width", margin=(0, 10))
            self.view.append(self._message)
        return self._message

    def children(self) -> dict[str, Messages]:
        return {}

    def find(self, keys: tuple[str, ...]) -> Messages:
        """The editor of ``keys`` below this one (the nearest one that exists)."""
        if keys and str(keys[0]) in self.children():
            return self.children()[str(keys[0])].find(tuple(keys[1:]))
        return self

    def show(self, text: str | None) -> None:
        """Show a problem beside the input (None: clear)."""
        if text is None and self._message is None:
            return
        self.message.object = "" if text is None else _escape(text)
        self.message.visible = text is not None

    def clear(self) -> None:
        """Clear every message here and below."""
        self.show(None)
        for child in self.children().values():
            child.clear()


class Editor(Messages, abc.ABC):
    """An input (or group of inputs) for the value at one key path, and its message."""

    @abc.abstractmethod
    def get(self) -> tuple[bool, Any]:
        """(given, value): whether the value is set, and the plain data."""

    @abc.abstractmethod
    def set(self, value: Any) -> None:
        """Show ``value`` (None: not given)."""


class RepsEditor(Editor):
    """Replications: ``auto`` (replicate until the headline intervals are precise enough,
    :mod:`policysim.experiment.auto`) or a whole number of at least 1."""

    def __init__(self, path, name: str = "replications", value: Any = "auto", width: int = 150):
        super().__init__(path)
        self.widget = pn.widgets.TextInput(
            name=_label(name), value=str(value), width=width, css_classes=[css(path)],
            description="auto, or a whole number of replications")
        self.view.append(self.widget)

    def get(self):
        """(given, value): value is "auto", an int, or the text as typed when it is neither
        (the page refuses it beside the box)."""
        text = (self.widget.value or "").strip()
        if not text:
            return False, None
        if text.lower() == "auto":
            return True, "auto"
        try:
            return True, int(text)
        except ValueError:
            return True, text

    def set(self, value):
        self.widget.value = "auto" if value is None else str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class NumberEditor(Editor):
    """A number box; empty means "not given" (the schema's default applies)."""

    def __init__(self, path, name: str, kind: type, value: Any, width: int = 150,
                 default: Any = None):
        super().__init__(path)
        cls = pn.widgets.IntInput if kind is int else pn.widgets.FloatInput
        self.default = default
        self.widget = cls(label=_label(name), value=value, width=width, css_classes=[css(path)])
        self.view.append(self.widget)

    def get(self):
        v = self.widget.value
        return v is not None, v

    def set(self, value):
        self.widget.value = value if value is not None else self.default


class ChoiceEditor(Editor):
    """A drop-down of the names a ``Literal`` field allows."""

    #: The choice of an optional field that leaves it unset (the model's default applies).
    UNSET = "(default)"

    def __init__(self, path, name: str, choices: list[str], value: Any, width: int = 170,
                 optional: bool = False):
        super().__init__(path)
        choices = [self.UNSET, *choices] if optional else list(choices)
        self.default = value if value in choices else choices[0]
        self.widget = pn.widgets.Select(label=_label(name), options=choices, width=width,
                                        value=self.default, css_classes=[css(path)])
        self.view.append(self.widget)

    def get(self):
        value = self.widget.value
        return (False, None) if value == self.UNSET else (True, value)

    def set(self, value):
        self.widget.value = value if value is not None else self.default


class ModelEditor(Editor):
    """Every field of a pydantic model; ``row=True`` lays the inputs out side by side."""

    def __init__(self, path, model: type[BaseModel], value: dict | None, row: bool = False):
        super().__init__(path)
        self.model = model
        value = value or {}
        self.fields: dict[str, Editor] = {}
        for name, info in model.model_fields.items():
            if name in SKIP:
                continue
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            self.fields[name] = make(path + (name,), name, info.annotation, value.get(name),
                                     default, compact=row)
        views = [e.view for e in self.fields.values()]
        self.view.objects = [pn.Row(*views, margin=0)] if row else views

    def children(self):
        return self.fields

    def get(self):
        out = {}
        for name, editor in self.fields.items():
            given, v = editor.get()
            if given:
                out[name] = v
        return True, out

    def set(self, value):
        value = value or {}
        for name, editor in self.fields.items():
            editor.set(value.get(name))


class OptionalEditor(Editor):
    """A tick box that includes an optional part, and the part's fields below it."""

    def __init__(self, path, name: str, model: type[BaseModel], value: dict | None,
                 row: bool = False, title: str | None = None):
        super().__init__(path)
        self.inner = ModelEditor(path, model, value, row=row)
        self.tick = pn.widgets.Checkbox(label=title or _label(name), value=value is not None,
                                        css_classes=[css(path) + "-on"])
        self.inner.view.visible = value is not None
        self.tick.param.watch(lambda e: setattr(self.inner.view, "visible", e.new), "value")
        parts = [self.tick]
        if not row and _doc(model):
            parts.append(pn.pane.HTML(f"<i>{_escape(_doc(model))}</i>", margin=(0, 10),
                                      styles={"font-size": "12px", "color": "#555"}))
        self.view.objects = [*parts, self.inner.view]
        self.view.margin = (4, 0)

    def children(self):
        return self.inner.children()

    def find(self, keys):
        found = self.inner.find(keys)
        return self if found is self.inner else found

    def clear(self):
        super().clear()
        self.inner.clear()

    def get(self):
        return (True, self.inner.get()[1]) if self.tick.value else (False, None)

    def set(self, value):
        self.tick.value = value is not None
        self.inner.set(value)


class MappingEditor(Editor):
    """A mapping from the names of a ``Literal`` to parts: one ticked row per name."""

    def __init__(self, path, name: str, keys: list[str], model: type[BaseModel],
                 value: dict | None):
        super().__init__(path)
        value = value or {}
        self.rows = {k: OptionalEditor(path + (k,), k, model, value.get(k), row=True)
                     for k in keys}
        head = pn.pane.HTML(f"<b>{_escape(_label(name))}</b> <i>({_escape(_doc(model))})</i>",
                            styles={"font-size": "12px"})
        self.view.objects = [head, *(r.view for r in self.rows.values())]
        self.view.margin = (0, 0, 0, 10)

    def children(self):
        return self.rows

    def get(self):
        out = {k: v for k, (given, v) in ((k, r.get()) for k, r in self.rows.items()) if given}
        return True, out

    def set(self, value):
        value = value or {}
        for k, r in self.rows.items():
            r.set(value.get(k))


class ListEditor(Editor):
    """A list of parts: one row per item and a spare row to add one (untick to remove)."""

    def __init__(self, path, name: str, model: type[BaseModel], value: list | None,
                 spare: int = 1, default: list | None = None):
        super().__init__(path)
        self.default = list(default or [])
        self.model = model
        self.name = name
        self.column = pn.Column(margin=0)
        self.rows: list[OptionalEditor] = []
        self.spare = spare
        self._build(value or [])
        head = pn.pane.HTML(f"<b>{_escape(_label(name))}</b> <i>({_escape(_doc(model))})</i>",
                            styles={"font-size": "12px"})
        self.view.objects = [head, self.column]
        self.view.margin = (0, 0, 0, 10)

    def _build(self, items: list) -> None:
        self.rows = [
            OptionalEditor(self.path + (str(i),), str(i), self.model, item, row=True,
                           title=f"{i + 1}")
            for i, item in enumerate([*items, *([None] * self.spare)])
        ]
        self.column.objects = [r.view for r in self.rows]

    def children(self):
        return {str(i): r for i, r in enumerate(self.rows)}

    def find(self, keys):
        """The editor of ``keys``: an item's index counts the ticked rows only, as the list
        :meth:`get` gives back leaves the unticked ones out."""
        if not keys or not str(keys[0]).isdigit():
            return super().find(keys)
        ticked = [r for r in self.rows if r.tick.value]
        i = int(keys[0])
        return ticked[i].find(tuple(keys[1:])) if i < len(ticked) else self

    def get(self):
        return True, [v for given, v in (r.get() for r in self.rows) if given]

    def set(self, value):
        self._build(list(value if value is not None else self.default))


def make(path, name: str, annotation: Any, value: Any, default: Any = None,
         compact: bool = False) -> Editor:
    """The editor for one field, chosen by its type."""
    tp, optional = _optional(annotation)
    shown = value if value is not None else (None if optional else _plain(default))
    width = 110 if compact else 150
    if _is_model(tp):
        return OptionalEditor(path, name, tp, value if value is not None else None)
    origin, args = get_origin(tp), get_args(tp)
    if origin is dict and _is_model(args[1]) and get_origin(args[0]) is Literal:
        return MappingEditor(path, name, list(get_args(args[0])), args[1], value)
    if origin is list and args and _is_model(args[0]):
        return ListEditor(path, name, args[0], value if value is not None else _plain(default),
                          default=_plain(default))
    if origin is Literal:
        return ChoiceEditor(path, name, list(args), shown, optional=optional)
    if tp in (int, float):
        return NumberEditor(path, name, tp, shown, width=width,
                            default=None if optional else _plain(default))
    raise TypeError(f"no form input for {name}: {annotation!r}")


def _plain(default: Any) -> Any:
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json")
    if isinstance(default, list):
        return [_plain(d) for d in default]
    return default
