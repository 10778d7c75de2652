from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static

FAVICON = "img/favicon.svg"


@login_not_required
def healthz(request):
    """Health check for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def favicon(request):
    """/favicon.ico, asked for by clients that do not read the pages' <link rel="icon">:
    the same icon (a 404 on every visit fills the server's log)."""
    return HttpResponsePermanentRedirect(static(FAVICON))
