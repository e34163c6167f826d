"""Permission policies of the admin for the records that only actions write."""

from wagtail.permission_policies import ModelPermissionPolicy

from consultations.models import User


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """For records only actions write: the admin may list and inspect them, nothing else."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return User.objects.none()
        return super().users_with_any_permission(["view"])
