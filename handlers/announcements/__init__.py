"""The admins' announcements: composed for an audience with a version in each language wanted,
previewed, sent now or scheduled, and followed with Pause, Resume and Cancel."""
