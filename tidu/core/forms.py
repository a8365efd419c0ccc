"""The base of every project form: unsafe characters in any field are refused with the field named.

``SafeTextMixin`` looks at what was posted for each field *before* the field, its ``clean_<name>`` or a
ModelForm's uniqueness check runs (a NUL would reach PostgreSQL there and fail with a server error): a field
holding a control character (tidu.core.text) gets a clear Chinese error and no cleaned value; the rest of the
form is cleaned as usual, and the bound form re-renders with what was typed.
"""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from tidu.core.text import field_message, has_unsafe_characters


def _posted_text(value):
    if isinstance(value, UploadedFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_posted_text(item) for item in value]
    return value


class SafeTextMixin:
    def _clean_fields(self):
        refused = set()
        for name, bf in self._bound_items():
            if bf.field.disabled:
                continue
            if has_unsafe_characters(_posted_text(bf.data)):
                refused.add(name)
                self.add_error(name, forms.ValidationError(field_message(str(bf.label or name)),
                                                           code="control_characters"))
        if not refused:
            return super()._clean_fields()
        for name, bf in self._bound_items():
            if name in refused:
                continue
            try:
                self.cleaned_data[name] = bf.field._clean_bound_field(bf)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except forms.ValidationError as error:
                self.add_error(name, error)


class Form(SafeTextMixin, forms.Form):
    pass


class ModelForm(SafeTextMixin, forms.ModelForm):
    pass
