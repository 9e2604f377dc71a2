"""Forms of the applicant portal. They check what a form can check and shape the input for the
services; the services remain the judges (their ValidationErrors land back on these forms)."""

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import offering
from .models import Agency, Application, NumberCode, ScopeItem, User
from .models.applications import ApplicationTrack, ApplicationType, ChangeKind
from .services import SCOPE_FIELDS
from .validators import validate_standard_reference

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
AGENCY_FIELDS = ("name", "credit_code", "address", "legal_representative", "contact_name", "contact_phone", "contact_email")
DRAFT_FIELDS = ("application_type", "track", "test_sites", "field_code", "industry_code", "authorised_signatories",
                "cancellation_reason", "declaration")


class AgencyForm(forms.ModelForm):
    """登记申请机构."""

    class Meta:
        model = Agency
        fields = AGENCY_FIELDS
        error_messages = {
            "credit_code": {"unique": _("该统一社会信用代码已登记。如您是该机构的工作人员，请联系机构已有账号的同事。")},
        }
        widgets = {"credit_code": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false",
                                                         "maxlength": 22, "class": "mono", "data-credit-code": "",
                                                         "autocomplete": "off"})}
        help_texts = {"credit_code": _("18位，见营业执照或事业单位法人证书；输入时即校验校验位。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The messages the browser shows while the code is typed (forms.js computes the check digit).
        self.fields["credit_code"].widget.attrs.update({
            "data-msg-length": _("统一社会信用代码应为18位。"),
            "data-msg-charset": _("含有统一社会信用代码不使用的字符（I、O、S、V、Z 等）。"),
            "data-msg-check": _("校验位不正确，请核对营业执照上的代码。"),
            "data-msg-ok": _("校验位正确。"),
        })

    def clean_credit_code(self) -> str:
        # People type codes in lower case and with spaces; the check digit is computed on the canonical form.
        return re.sub(r"\s+", "", self.cleaned_data["credit_code"]).upper()


class SignUpForm(UserCreationForm):
    """The account part of 注册: the person who will act for the agency."""

    full_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email")


def _code_field(kind: str, label, help_text) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, help_text=help_text,
                             widget=forms.Select(attrs={"data-searchable": _("输入名称或代码筛选")}),
                             error_messages={"invalid_choice": _("请从列表中选择。")})


class ApplicationForm(forms.ModelForm):
    """The application form proper (申请书), without the capability scope.

    Field and industry are chosen by name from the reference table (``NumberCode``); their codes
    go into the certificate number, so nobody has to know them.
    """

    field_code = _code_field(NumberCode.Kind.FIELD, _("检验检测领域"),
                             _("按名称选择或输入关键字筛选；括号中的代码将写入证书编号。"))
    industry_code = _code_field(NumberCode.Kind.INDUSTRY, _("行业主管部门"), _("没有行业主管部门的，选择“无行业主管部门”。"))

    certificate = forms.CharField(
        label=_("所涉证书编号"), required=False, max_length=40,
        help_text=_("延续、变更、扩项、注销：填写本机构持有的资质认定证书编号。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "mono", "autocomplete": "off"}),
    )

    def clean_track(self) -> str:
        return self.cleaned_data.get("track") or Application._meta.get_field("track").default

    def clean(self):
        data = super().clean()
        kind, track = data.get("application_type"), data.get("track")
        if kind and track and not offering.is_offered(kind, track):
            self.add_error("track", _("%(type)s申请不适用%(track)s，请选择其他程序。") % {
                "type": ApplicationType(kind).label, "track": ApplicationTrack(track).label})
        return data

    def clean_certificate(self) -> str:
        return re.sub(r"\s+", "", self.cleaned_data.get("certificate") or "").translate(FULL_WIDTH_DIGITS)

    class Meta:
        model = Application
        fields = DRAFT_FIELDS
        widgets = {
            "test_sites": forms.Textarea(attrs={"rows": 3}),
            "authorised_signatories": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "declaration": _("本机构对所提交申请材料的真实性、合法性负责。提交前须勾选。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["test_sites"].required = False  # a change or a cancellation concerns the certificate's sites
        self.fields["cancellation_reason"].help_text = _("注销申请：选择注销原因。")
        self.fields["track"].required = False  # absent: the ordinary track
        # Only what is offered (a procedure and a catalogue): a type or track without one is not shown.
        pairs = offering.offered_pairs()
        types, tracks = {kind for kind, _t in pairs}, {track for _k, track in pairs}
        self.fields["application_type"].choices = [(v, label) for v, label in ApplicationType.choices if v in types]
        self.fields["track"].choices = [(v, label) for v, label in ApplicationTrack.choices if v in tracks]

        for name, kind in (("field_code", NumberCode.Kind.FIELD), ("industry_code", NumberCode.Kind.INDUSTRY)):
            choices = NumberCode.objects.choices(kind)
            current = self.initial.get(name) or self.fields[name].initial
            if current and current not in {code for code, _label in choices}:
                choices.append((current, current))  # a code since retired stays on the draft that has it
            self.fields[name].choices = [("", _("请选择"))] + choices
            if not self.initial.get(name) and not self.is_bound:
                self.initial[name] = Application._meta.get_field(name).default


class ChangeForm(forms.Form):
    """One change of a change application (变更): what changes and its new value."""

    kind = forms.ChoiceField(label=_("变更事项"), choices=[("", "—"), *ChangeKind.choices])
    value = forms.CharField(
        label=_("变更后内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        help_text=_("取消项目：填能力范围序号，逗号分隔；标准变更：每行“序号：新标准”。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)

    def cleaned_change(self) -> dict[str, Any]:
        kind, value = self.cleaned_data["kind"], self.cleaned_data["value"].strip()
        if kind == ChangeKind.CANCELLED_ITEMS:
            return {"kind": kind, "value": [part.strip() for part in re.split(r"[,，、\s]+", value) if part.strip()]}
        if kind == ChangeKind.STANDARDS:
            rows = []
            for line in value.splitlines():
                seq, _sep, standard = line.replace("：", ":").partition(":")
                rows.append({"seq": seq.strip(), "standard": standard.strip()})
            return {"kind": kind, "value": rows}
        return {"kind": kind, "value": value}


class BaseChangeFormSet(forms.BaseFormSet):
    def changes(self) -> list[dict[str, Any]]:
        return [form.cleaned_change() for form in self.forms
                if form.has_changed() and not self._should_delete_form(form)]


ChangeFormSet = forms.formset_factory(ChangeForm, formset=BaseChangeFormSet, extra=1, can_delete=True)


def change_formset(*, data=None, application: Application | None = None) -> BaseChangeFormSet:
    initial = []
    for change in (application.changes if application is not None else []):
        value = change["value"]
        if change["kind"] == ChangeKind.CANCELLED_ITEMS:
            value = ", ".join(str(v) for v in value)
        elif change["kind"] == ChangeKind.STANDARDS:
            value = "\n".join(f"{row['seq']}：{row['standard']}" for row in value)
        initial.append({"kind": change["kind"], "value": value})
    return ChangeFormSet(data=data, prefix="changes", initial=initial)


class ScopeItemForm(forms.Form):
    """One row of the capability scope (检验检测能力); fields and limits come from the model."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(ScopeItem, fields=SCOPE_FIELDS))
        self.fields["standard"].validators.append(validate_standard_reference)
        self.fields["standard"].widget.attrs.update(
            placeholder=_("例如 GB 5009.229-2016"), **{"data-standard": ""},
        )
        for field in self.fields.values():  # the table header labels the columns; screen readers get the label too
            field.widget.attrs.setdefault("aria-label", field.label)


class BaseScopeFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(form index, row) for every row kept: deleted rows and untouched blank rows drop out.

        Rows the form started with count even when untouched: they are the saved scope.
        """
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append((index, {name: form.cleaned_data.get(name, "") for name in SCOPE_FIELDS}))
        return kept


ScopeFormSet = forms.formset_factory(ScopeItemForm, formset=BaseScopeFormSet, extra=0, can_delete=True)


def scope_formset(*, data=None, application: Application | None = None) -> BaseScopeFormSet:
    """The scope formset: the draft's saved rows plus one spare, or two blank rows for a new draft."""
    initial = []
    if application is not None:
        initial = [{name: getattr(item, name) for name in SCOPE_FIELDS} for item in application.scope_items.all()]
    formset = ScopeFormSet(data=data, prefix="scope", initial=initial)
    if data is None:
        formset.extra = 1 if initial else 2
    return formset


_INDEXED_KEY = re.compile(r"^(?P<name>[a-z_]+)\[(?P<index>\d+)\]$")


def apply_validation_error(error: ValidationError, form: forms.BaseForm, *, formset=None,
                           formset_key: str = "", rows: list[tuple[int, Any]] | None = None,
                           other_forms: tuple[forms.BaseForm, ...] = ()) -> None:
    """Put a service's ValidationError onto the form the user sees, so nothing typed is lost.

    Keys naming a field of ``form`` (or of one of ``other_forms``) go to that field; ``<formset_key>[n]``
    (the service's 1-based row) goes to the n-th kept row of ``formset``; anything else becomes a
    message at the top of the form.
    """
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages in error.message_dict.items():
        match = _INDEXED_KEY.match(key)
        if formset is not None and match and match["name"] == formset_key and rows:
            position = int(match["index"]) - 1
            if 0 <= position < len(rows):
                target = formset.forms[rows[position][0]]
                for message in messages:
                    target.add_error(None, message)
                continue
        if formset is not None and key == formset_key:
            formset._non_form_errors = formset.error_class(list(formset.non_form_errors()) + list(messages))
            continue
        owner = next((f for f in (form, *other_forms) if key in f.fields), None)
        for message in messages:
            if owner is None:
                form.add_error(None, message)
            else:
                owner.add_error(key, message)
