from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required

from accounts.forms import LoginForm


@login_not_required
def login_view(request, *args, **kwargs):
    return auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )(request, *args, **kwargs)


logout_view = auth_views.LogoutView.as_view()
