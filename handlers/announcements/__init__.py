"""The admins' announcements: composed in both languages for an audience, previewed, sent now or
scheduled, and followed with Pause, Resume and Cancel."""
