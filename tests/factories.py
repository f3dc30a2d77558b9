"""Factories shared by every app's tests."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import CustomerOrganisation, Role, User

PASSWORD = "correct-horse-battery-staple-42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerOrganisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Customer {n} Ltd")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    role = Role.ACCOUNT_MANAGER
    organisation = factory.LazyAttribute(lambda o: OrganisationFactory() if o.role == Role.CUSTOMER else None)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)
