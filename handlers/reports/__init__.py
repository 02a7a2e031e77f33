"""Finished drums: an artisan reports them and sees their reports; the admins' quality check
accepts them all, in part, or rejects them with a reason."""
