"""The MongoDB adapter: repositories on a team server through ``pymongo.AsyncMongoClient``."""

from app.adapters.mongo.store import MongoStore

__all__ = ["MongoStore"]
