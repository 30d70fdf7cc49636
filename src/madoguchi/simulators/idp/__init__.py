"""A development stand-in for the Digital Authentication App and JPKI; never for production."""
