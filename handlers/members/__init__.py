"""Who is in the cooperative: registering as an artisan or a buyer, the admins' approvals and
member list, the main menu of each role with /help (from the table of who may use each command)
and the profile, and the language chosen."""
