"""pyspark.sql.functions, row by row (see pyspark/__init__.py)."""

import re


def _value(item):
    return item if isinstance(item, Column) else lit(item)


def _unquote(name):
    return name[1:-1].replace("``", "`") if name.startswith("`") and name.endswith("`") else name


class Column:
    def __init__(self, evaluate, name=None):
        self.evaluate = evaluate
        self.name = name

    def _binary(self, other, operation):
        other = _value(other)

        def evaluate(row):
            left, right = self.evaluate(row), other.evaluate(row)
            return None if left is None or right is None else operation(left, right)

        return Column(evaluate)

    def __eq__(self, other):
        return self._binary(other, lambda left, right: left == right)

    def __and__(self, other):
        other = _value(other)

        def evaluate(row):
            left, right = self.evaluate(row), other.evaluate(row)
            if left is False or right is False:
                return False
            return None if left is None or right is None else True

        return Column(evaluate)

    def __or__(self, other):
        other = _value(other)

        def evaluate(row):
            left, right = self.evaluate(row), other.evaluate(row)
            if left is True or right is True:
                return True
            return None if left is None or right is None else False

        return Column(evaluate)

    def __invert__(self):
        return Column(lambda row: None if self.evaluate(row) is None else not self.evaluate(row))

    def __sub__(self, other):
        return self._binary(other, lambda left, right: left - right)

    def isNull(self):
        return Column(lambda row: self.evaluate(row) is None)

    def isNotNull(self):
        return Column(lambda row: self.evaluate(row) is not None)

    def eqNullSafe(self, other):
        other = _value(other)
        return Column(lambda row: self.evaluate(row) == other.evaluate(row))

    def endswith(self, suffix):
        return self._binary(suffix, lambda text, end: text.endswith(end))

    def substr(self, start, length):
        start, length = _value(start), _value(length)

        def evaluate(row):
            text, first, count = self.evaluate(row), start.evaluate(row), length.evaluate(row)
            if text is None or first is None or count is None:
                return None
            return text[first - 1 : first - 1 + max(count, 0)]

        return Column(evaluate)

    def isin(self, values):
        return Column(lambda row: None if self.evaluate(row) is None else self.evaluate(row) in values)

    def cast(self, data_type):
        def evaluate(row):
            value = self.evaluate(row)
            if value is None:
                return None
            raise NotImplementedError(f"the stub only casts nulls, not {value!r} to {data_type}")

        return Column(evaluate, self.name)

    def alias(self, name):
        return Column(self.evaluate, name)


class _When(Column):
    def __init__(self, branches, otherwise=None):
        self.branches, self.default = branches, otherwise
        super().__init__(self._evaluate)

    def _evaluate(self, row):
        for condition, value in self.branches:
            if condition.evaluate(row) is True:
                return value.evaluate(row)
        return None if self.default is None else self.default.evaluate(row)

    def when(self, condition, value):
        return _When(self.branches + [(condition, _value(value))])

    def otherwise(self, value):
        return _When(self.branches, _value(value))


def col(name):
    column = _unquote(name)
    return Column(lambda row: row[column], column)


def lit(value):
    return Column(lambda row: value)


def when(condition, value):
    return _When([(condition, _value(value))])


def length(column):
    return Column(lambda row: None if column.evaluate(row) is None else len(column.evaluate(row)))


def lower(column):
    return Column(lambda row: None if column.evaluate(row) is None else column.evaluate(row).lower())


TRIM_BOTH = re.compile(r"^trim\(BOTH '([^'\\]*)' FROM (`(?:[^`]|``)*`)\)$", re.DOTALL)


def expr(sql):
    """Only Spark SQL's trim(BOTH '<characters>' FROM `column`): both ends lose every character of the set."""
    match = TRIM_BOTH.match(sql)
    if not match:
        raise NotImplementedError(f"the stub does not evaluate {sql!r}")
    characters, column = match.group(1), _unquote(match.group(2))
    return Column(lambda row: None if row[column] is None else row[column].strip(characters))
