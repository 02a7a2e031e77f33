"""Export papers: the proforma invoice of an order, the commercial invoice and packing list of a
shipped container, sent to the buyer as PDF files and listed for the admins."""
