"""manage.py set_desk_agency AGENCY: make AGENCY (its id or exact name) the town's
福祉の相談窓口, and no other agency. Run on the server: the admin shows the flag
read-only once a desk exists, since the desk's staff see more."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Agency
from accounts.services import agency_set_desk
from accounts.system import system_user


class Command(BaseCommand):
    help = _("指定した機関を福祉の相談窓口にします（ほかの機関は窓口でなくなります）。")

    def add_arguments(self, parser):
        parser.add_argument("agency", help=_("機関の ID または正確な機関名"))

    def handle(self, *args, agency, **options):
        query = Q(name=agency)
        if agency.isdigit():
            query |= Q(pk=int(agency))
        found = list(Agency.objects.filter(query)[:2])
        if len(found) != 1:
            raise CommandError(_("機関「%(agency)s」が見つかりません。") % {"agency": agency})
        desk = agency_set_desk(actor=system_user(), agency=found[0])
        self.stdout.write(_("%(agency)sを福祉の相談窓口にしました。") % {"agency": desk})
