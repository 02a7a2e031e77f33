"""How the cooperative is doing, for the admins and each artisan: the summary, charts, monthly
statements, spreadsheets, and what was made and earned."""
