"""Who a resident is: reading and checking the certificates on their My Number Card."""
