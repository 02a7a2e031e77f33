"""Buyers order drums and follow their orders; the admins confirm, confirm in part, backorder
or decline them; artisans see which drums buyers are waiting for."""
