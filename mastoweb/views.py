from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts.roles import start_page, user_roles


@login_required
def home(request):
    """Each role's own start page, as accounts.roles declares it."""
    return redirect(start_page(user_roles(request.user)))
