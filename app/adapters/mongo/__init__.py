"""The MongoDB adapter: repositories on a team server through ``pymongo.AsyncMongoClient``."""

from app.adapters.mongo.store import MongoStore, mask_uri

__all__ = ["MongoStore", "mask_uri"]
