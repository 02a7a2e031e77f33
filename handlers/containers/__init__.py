"""Container shipments: the admins open one for a buyer, fill it with confirmed orders, cancel
or ship it; the buyer and the admins follow its progress."""
