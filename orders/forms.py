from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from generator.models import (
    DEDICATION_MAX_LENGTH,
    AgeGroup,
    ChildKind,
    HairColor,
    HairStyle,
    Language,
    PaperSize,
    SkinTone,
)
from generator.text import text_has_controls, text_line
from orders.models import Order

LET_US_CHOOSE = ("", _("Let us choose"))
# A dedication keeps the customer's line breaks, at most this many lines
# ("Happy 5th birthday! / Love, Grandma"); more are joined into the last one.
DEDICATION_MAX_LINES = 3
# The swatches of the skin tone picker, lightest to deepest (SkinTone "1".."5").
SKIN_SWATCHES = {"1": "#f6d7c3", "2": "#e6b794", "3": "#c68a62", "4": "#8d5a3b", "5": "#5a3825"}


def visitor_language() -> str:
    """The language the page is shown in, as an order stores it ("en" or "fr")."""
    language = (translation.get_language() or "")[:2]
    return language if language in Language.values else Language.EN


def dedication_clean(text: str) -> str:
    """A dedication as printed: each line made plain (text_line), empty lines
    dropped, at most DEDICATION_MAX_LINES lines joined by a newline."""
    lines = [line for line in (text_line(part) for part in str(text).splitlines()) if line]
    if len(lines) > DEDICATION_MAX_LINES:
        lines = [*lines[: DEDICATION_MAX_LINES - 1], " ".join(lines[DEDICATION_MAX_LINES - 1 :])]
    return "\n".join(lines)


class OrderForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Your email"))
    theme = forms.CharField(
        min_length=3,
        max_length=Order._meta.get_field("theme").max_length,
        label=_("What should the book be about?"),
        widget=forms.TextInput(attrs={"placeholder": _("dinosaurs having a picnic")}),
    )
    child_name = forms.CharField(
        max_length=Order._meta.get_field("child_name").max_length,
        required=False,
        label=_("Child's name (optional)"),
    )
    age_group = forms.ChoiceField(choices=AgeGroup.choices, initial=AgeGroup.KIDS, label=_("Age"))
    paper_size = forms.ChoiceField(choices=PaperSize.choices, initial=PaperSize.LETTER, label=_("Paper"))

    # How the child is drawn: every field optional, a blank one chosen by the book.
    child_kind = forms.ChoiceField(
        choices=ChildKind.choices,
        initial=ChildKind.CHILD,
        required=False,
        label=_("Draw them as"),
        widget=forms.RadioSelect,
    )
    hair_color = forms.ChoiceField(choices=[LET_US_CHOOSE, *HairColor.choices], required=False, label=_("Hair color"))
    hair_style = forms.ChoiceField(choices=[LET_US_CHOOSE, *HairStyle.choices], required=False, label=_("Hair style"))
    skin_tone = forms.ChoiceField(
        choices=[LET_US_CHOOSE, *SkinTone.choices], required=False, label=_("Skin tone"), widget=forms.RadioSelect
    )
    glasses = forms.BooleanField(required=False, label=_("Wears glasses"))
    # No max_length here: the limit is checked on the cleaned text (a browser
    # sends a line break as two characters, and counts it as one).
    dedication = forms.CharField(
        required=False,
        label=_("A message for the first page (optional)"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "maxlength": DEDICATION_MAX_LENGTH,
                "placeholder": _("Happy 5th birthday! Love, Grandma"),
                "aria-describedby": "dedication-hint",
            }
        ),
    )

    # The language of the order's pages, emails and book: the page's (a
    # hidden field), else the visitor's.
    language = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)

    BRIEF_FIELDS = ("email", "theme", "child_name", "age_group", "paper_size")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = visitor_language()
        # French-speaking countries print on A4; US Letter stays the default otherwise.
        if visitor_language() == Language.FR:
            self.fields["paper_size"].initial = PaperSize.A4

    LOOK_FIELDS = ("child_kind", "hair_color", "hair_style", "skin_tone", "glasses")

    def brief_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.BRIEF_FIELDS]

    def hidden_brief(self) -> list[forms.BoundField]:
        """The book's fields but the email, for a form that carries them
        unseen (a preview's order form: the server takes the preview's)."""
        return [self[name] for name in (*self.BRIEF_FIELDS[1:], *self.LOOK_FIELDS, "dedication", "language")]

    def look_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.LOOK_FIELDS]

    def look_open(self) -> bool:
        """Whether the optional section starts open: something in it was chosen, or is wrong."""
        if not self.is_bound:
            return False
        data = {name: self.data.get(name) for name in (*self.LOOK_FIELDS, "dedication")}
        chosen = any(value not in (None, "", ChildKind.CHILD) for value in data.values())
        return chosen or any(self[name].errors for name in data)

    def skin_swatches(self) -> list[dict]:
        value = self["skin_tone"].value() or ""
        return [
            {"value": key, "label": label, "color": SKIN_SWATCHES.get(key, ""), "checked": key == value}
            for key, label in self.fields["skin_tone"].choices
        ]

    def _clean_text(self, name: str) -> str:
        value = self.cleaned_data[name]
        if text_has_controls(value):
            raise forms.ValidationError(gettext("Please use plain text."))
        return text_line(value)

    def clean_theme(self) -> str:
        return self._clean_text("theme")

    def clean_child_name(self) -> str:
        return self._clean_text("child_name")

    def clean_language(self) -> str:
        """One the shop speaks; anything else (or nothing) is the visitor's."""
        value = self.cleaned_data["language"]
        return value if value in Language.values else visitor_language()

    def clean_child_kind(self) -> str:
        return self.cleaned_data["child_kind"] or ChildKind.CHILD

    def clean_dedication(self) -> str:
        value = self.cleaned_data["dedication"]
        if text_has_controls(value):
            raise forms.ValidationError(gettext("Please use plain text."))
        value = dedication_clean(value)
        if len(value) > DEDICATION_MAX_LENGTH:
            raise forms.ValidationError(
                gettext("Please keep the message to %(limit)d characters (it has %(length)d).")
                % {"limit": DEDICATION_MAX_LENGTH, "length": len(value)}
            )
        return value
