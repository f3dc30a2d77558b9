"""Factories shared by every app's tests."""

import itertools

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


_entry_numbers = itertools.count(1)


def library_entry(
    *, author, approver=None, key=None, classification="public", question=None, answer=None, short_answer="Yes"
):
    """An entry written by `author`; approved by `approver` (command-line trust) when given, else in review."""
    from library import services

    key = key or f"entry-{next(_entry_numbers)}"
    entry = services.entry_create(
        actor=author,
        key=key,
        category="network",
        classification=classification,
        text=services.VersionText(question or f"Question about {key}?", answer or f"Answer about {key}.", short_answer),
    )
    version = services.version_submit(actor=author, version=entry.latest_version)
    if approver is not None:
        services.version_approve(actor=approver, version=version, via_cli=True)
    entry.refresh_from_db()
    return entry
