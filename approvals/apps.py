from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("资质认定")

    def ready(self):
        from django.contrib.auth.models import Group, Permission
        from django.db.backends.signals import connection_created
        from django.urls import register_converter

        from prepared.timestamps import timestamps_in_c

        from .converters import DatabaseIdConverter
        from .models import User
        from .permissions import ensure_roles, permissions_changed, user_saved

        register_converter(DatabaseIdConverter, "id")  # every URL's object ids: <id:pk>
        # Every connection reads its timestamps with the driver's C parser (prepared.timestamps).
        connection_created.connect(timestamps_in_c, dispatch_uid="timestamps-in-c")

        post_migrate.connect(ensure_roles, sender=self)
        # Any change of who holds which permission empties the permission cache.
        for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"perms-{through.__name__}")
        for model in (Group, Permission):
            post_save.connect(permissions_changed, sender=model, dispatch_uid=f"perms-save-{model.__name__}")
            post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"perms-delete-{model.__name__}")
        post_save.connect(user_saved, sender=User, dispatch_uid="perms-user-saved")
        post_delete.connect(permissions_changed, sender=User, dispatch_uid="perms-user-deleted")
