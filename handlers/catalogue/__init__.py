"""The drum models: the admins keep the catalogue, its rates and prices and the exchange rates;
buyers browse it card by card and watch a model until enough drums are available."""
