"""Money and stock the admins record by hand: payments to artisans and corrections of the drums
on hand, each undoable, with the person concerned told."""
