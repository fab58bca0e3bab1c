"""`aftercare new-service <name>`: writes a complete, tested service from the template in `template/`."""
