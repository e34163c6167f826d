from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language

from consultations.actions.notices import set_preferred_language


# Choosing the interface language changes nothing but a cookie, so the switcher needs no CSRF
# token: that keeps cached anonymous pages free of per-visitor tokens. For a signed-in person
# the choice is also stored (``User.preferred_language``), so that what is written to them
# without a request is in it; a forged switch could change no more than the cookie can.
@csrf_exempt
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language")
    known = {code for code, _name in settings.LANGUAGES}
    if request.method == "POST" and language in known and request.user.is_authenticated:
        set_preferred_language(user=request.user, language=language)
    return response
