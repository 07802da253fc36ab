"""The webhook form: a name, the target URL, the events (or all of them) and whether it is active."""

from django import forms

from imagehub.webhooks.models import ALL_EVENTS, EVENTS, validate_target_url


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What receives the notices, e.g. \"CI\" or \"chat\".")
    url = forms.CharField(label="Target URL", max_length=500, validators=[validate_target_url],
                          widget=forms.URLInput(attrs={"placeholder": "https://ci.example.com/hooks/imagehub"}),
                          help_text="ImageHub POSTs signed JSON here; redirects are not followed.")
    all_events = forms.BooleanField(label="All events, including those added later", required=False)
    events = forms.MultipleChoiceField(choices=[(name, f"{name}: {text}") for name, text in EVENTS.items()],
                                       widget=forms.CheckboxSelectMultiple, required=False)
    active = forms.BooleanField(label="Active (disabled webhooks receive nothing)", required=False, initial=True)

    @classmethod
    def for_webhook(cls, webhook) -> "WebhookForm":
        return cls(initial={"name": webhook.name, "url": webhook.url, "all_events": webhook.all_events,
                            "events": [] if webhook.all_events else webhook.events, "active": webhook.active})

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("all_events") and not data.get("events"):
            self.add_error("events", "Choose the events to send, or all events.")
        return data

    def chosen_events(self) -> list[str]:
        """The events to store: ["*"] for all, else the names chosen."""
        data = self.cleaned_data
        return [ALL_EVENTS] if data["all_events"] else list(data["events"])
