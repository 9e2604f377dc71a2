"""Typed factories for the domain. Credit codes are generated with a valid check digit."""

import factory
from django.contrib.auth.models import Group

from approvals.models import Agency, Application, ScopeItem, User
from approvals.validators import credit_code_check_char

DEFAULT_PASSWORD = "test-pass-2026"


def make_credit_code(n: int) -> str:
    first17 = f"91520100{n:09d}"
    return first17 + credit_code_check_char(first17)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"贵州测试检验检测有限公司{n}")
    credit_code = factory.Sequence(make_credit_code)
    address = "贵州省贵阳市观山湖区长岭北路1号"
    legal_representative = "张三"
    contact_name = "李四"
    contact_phone = "0851-12345678"
    contact_email = "lab@example.com"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ApplicantFactory(UserFactory):
    agency = factory.SubFactory(AgencyFactory)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        self.groups.add(Group.objects.get(name=extracted or "applicant"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    created_by = factory.SubFactory(ApplicantFactory, agency=factory.SelfAttribute("..agency"))
    test_sites = "贵州省贵阳市观山湖区长岭北路1号实验楼"
    field_code = "20"
    industry_code = "00"
    declaration = True

    @factory.post_generation
    def scope(self, create, extracted, **kwargs):
        count = 3 if extracted is None else extracted
        ScopeItem.objects.bulk_create(
            ScopeItem(
                application=self, seq=i, category="食品", item=f"食品检测项目{i}", parameter=f"参数{i}",
                standard=f"GB 5009.{i}-2016", limitation="",
            )
            for i in range(1, count + 1)
        )

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        # Every mandatory catalogue document, so the draft can be submitted; documents=False leaves them out.
        if create and extracted is not False:
            from tests.documents.factories import supply_documents

            supply_documents(self)
