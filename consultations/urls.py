from django.urls import path

from consultations.views import accounts, language

urlpatterns = [
    path("konto/profil/", accounts.profile, name="profile"),
    path("konto/daten/", accounts.export_data, name="export_data"),
    path("konto/loeschen/", accounts.delete_account, name="delete_account"),
    path("sprache/", language.set_language, name="set_language"),
]
