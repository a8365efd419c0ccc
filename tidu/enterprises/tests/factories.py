from tidu.accounts.models import Organisation, User
from tidu.accounts.tests.factories import make_user
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.codes import code

_counter = iter(range(1, 1_000_000))


def make_enterprise(unit: Organisation, name: str | None = None, *, username: str | None = None,
                    status=Enterprise.Status.PENDING, **extra) -> Enterprise:
    """An enterprise under ``unit`` with its own enterprise user (``username``)."""
    n = next(_counter)
    name = name or f"测试企业{n}有限公司"
    organisation = Organisation.objects.create(name=name, kind=Organisation.Kind.ENTERPRISE, parent=unit)
    make_user(username or f"company{n}", User.Role.ENTERPRISE, organisation)
    fields = {"credit_code": code(n), "industry_code": "C34", "registered_region": "湖北省天门市", "contact_name": "联系人",
              "contact_phone": "13907281234",
              "contact_email": f"company{n}@example.com", "status": status}
    fields.update(extra)
    return Enterprise.objects.create(organisation=organisation, name=name, **fields)
