"""inspection's rules and values: no I/O, no sqlalchemy, grpc or fastapi."""
