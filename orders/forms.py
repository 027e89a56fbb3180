from django import forms

from generator.models import AgeGroup, PaperSize
from generator.text import text_has_controls, text_line
from orders.models import Order


class OrderForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Your email")
    theme = forms.CharField(
        min_length=3,
        max_length=Order._meta.get_field("theme").max_length,
        label="What should the book be about?",
        widget=forms.TextInput(attrs={"placeholder": "dinosaurs having a picnic"}),
    )
    child_name = forms.CharField(
        max_length=Order._meta.get_field("child_name").max_length,
        required=False,
        label="Child's name (optional)",
    )
    age_group = forms.ChoiceField(choices=AgeGroup.choices, initial=AgeGroup.KIDS, label="Age")
    paper_size = forms.ChoiceField(choices=PaperSize.choices, initial=PaperSize.LETTER, label="Paper")

    def _clean_text(self, name: str) -> str:
        value = self.cleaned_data[name]
        if text_has_controls(value):
            raise forms.ValidationError("Please use plain text.")
        return text_line(value)

    def clean_theme(self) -> str:
        return self._clean_text("theme")

    def clean_child_name(self) -> str:
        return self._clean_text("child_name")
