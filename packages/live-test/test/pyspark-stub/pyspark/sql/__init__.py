from .dataframe import DataFrame  # noqa: F401
