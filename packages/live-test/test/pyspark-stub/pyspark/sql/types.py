class DataType:
    def __init__(self, *parameters):
        self.parameters = parameters

    def __eq__(self, other):
        return type(self) is type(other) and self.parameters == other.parameters


class StringType(DataType):
    pass


class BooleanType(DataType):
    pass


class IntegerType(DataType):
    pass


class LongType(DataType):
    pass


class DoubleType(DataType):
    pass


class DateType(DataType):
    pass


class TimestampType(DataType):
    pass


class DecimalType(DataType):
    pass
