class DataFrame:
    """Rows as dicts, in order; enough of pyspark's DataFrame for job.py's line-end residue rule."""

    def __init__(self, columns, rows):
        self.columns = list(columns)
        self.rows = [dict(row) for row in rows]

    def filter(self, condition):
        return DataFrame(self.columns, [row for row in self.rows if condition.evaluate(row) is True])

    def select(self, *columns):
        names = [column.name for column in columns]
        return DataFrame(names, [{name: column.evaluate(row) for name, column in zip(names, columns)} for row in self.rows])
