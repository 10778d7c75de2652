"""Field shapes the intake forms share."""

from django import forms


def radio_choice(label, choices, required_message):
    """A required choice shown as radio buttons, refused with its Japanese message."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )
