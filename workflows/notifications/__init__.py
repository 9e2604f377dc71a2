"""In-app notifications (站内消息) with an unread count for every user, mailed after commit.

``services`` writes (notify, mark read, send the e-mail), ``selectors`` reads, ``api`` serves
``/api/v1/notifications/``. The statutory clocks' reminders (``workflows.reminders``) are the main
producer; any other part of ``workflows`` may call ``services.notify``.
"""
