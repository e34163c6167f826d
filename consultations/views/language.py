from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language

# Choosing the interface language changes nothing but a cookie, so the switcher needs no CSRF
# token: that keeps cached anonymous pages free of per-visitor tokens.
set_language = csrf_exempt(django_set_language)
