"""NYC yellow taxi: raw CSV -> validated, typed Parquet, with rejected rows kept as CSV.

Glue 4.0 (Spark 3.3) job, also right on Glue 5 (Spark 3.5). Arguments: JOB_NAME, source_path, target_path,
rejects_path, mapping_path (s3:// URLs). The column mapping (mapping.json) is the single source of truth for names,
types and required columns. The CSV reading (CSV_READ_OPTIONS, LINE_END_RESIDUE) and the mapping semantics below are
shared word for word with the local engine (packages/data-lake/src/csv-format.ts and value-rules.ts); a test in
packages/live-test compares the constants and the rules of both:
1. a value is missing when it is null or blank after trimming TRIM_CHARACTERS from both ends;
2. a missing value in a required column rejects the row; in an optional column it becomes null;
3. a present value is trimmed, must match its type's pattern and must cast (no overflow, a real calendar date),
   otherwise the row is rejected; strings are kept as read;
4. a rejected row carries every violation, in mapping order, joined by REJECT_REASON_SEPARATOR.
Nothing is dropped: raw records == transformed records + rejected records, or the job fails.
"""

import json
import logging
import re
import sys

# lineSep "\n": records end at LF whatever line 1 ends with (multiLine alone detects it from line 1 only, SPARK-25493).
CSV_READ_OPTIONS = {
    "header": "true",
    "sep": ",",
    "quote": '"',
    "escape": '"',
    "mode": "PERMISSIVE",
    "multiLine": "true",
    "lineSep": "\n",
    "inferSchema": "false",
}
# What a CRLF line ending leaves on a record's last value when records end at LF: never data.
LINE_END_RESIDUE = "\r"
# Trimmed from both ends of a value before the missing check and the cast: space, tab, CR, LF.
TRIM_CHARACTERS = " \t\r\n"
# Patterns use only [0-9]-style classes and end with \z (Java's $ also matches before a final line terminator, RE2's
# does not), so Java regex (Spark rlike) and RE2 (DuckDB) read them alike.
VALUE_PATTERNS = {
    "int": r"^[+-]?[0-9]+\z",
    "bigint": r"^[+-]?[0-9]+\z",
    "double": r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?\z",
    "decimal": r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)\z",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\z",
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?\z",
}
BOOLEAN_TRUE_VALUES = ["true", "t", "yes", "y", "1"]
BOOLEAN_FALSE_VALUES = ["false", "f", "no", "n", "0"]
REJECT_REASON_SEPARATOR = "; "
REJECT_REASON_COLUMN = "reject_reason"
SIMPLE_COLUMN_TYPES = ["string", "int", "bigint", "double", "boolean", "date", "timestamp"]
DECIMAL_TYPE = re.compile(r"^decimal\((\d{1,2}),(\d{1,2})\)$")
TARGET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

LOGGER = logging.getLogger("nyc-taxi")


class ColumnMappingError(ValueError):
    """A mapping.json that does not follow the schema, or does not fit the CSV header."""


def missing_required_reason(source):
    return f"{source}: required value is empty"


def invalid_value_reason(source, type_name):
    return f"{source}: cannot cast to {type_name}"


def decimal_precision_scale(type_name):
    match = DECIMAL_TYPE.match(type_name)
    return (int(match.group(1)), int(match.group(2))) if match else None


def validate_mapping(document, origin="column mapping"):
    """Same rules as ColumnMappingSchema in packages/data-lake; the error names every bad column and field."""
    problems = []
    if not isinstance(document, dict) or set(document.keys()) != {"columns"}:
        raise ColumnMappingError(f"Invalid {origin}: (root): must be an object with exactly the key 'columns'")
    columns = document["columns"]
    if not isinstance(columns, list) or not columns:
        raise ColumnMappingError(f"Invalid {origin}: columns: must map at least one column")
    targets, sources = {}, {}
    for index, column in enumerate(columns):
        where = f"columns[{index}]"
        if not isinstance(column, dict):
            problems.append(f"{where}: must be an object")
            continue
        label = f"{where} (column \"{column.get('source')}\")" if isinstance(column.get("source"), str) else where
        extra = set(column.keys()) - {"source", "target", "type", "required"}
        if extra:
            problems.append(f"{label}: unknown keys {sorted(extra)}")
        source, target, type_name, required = (column.get(key) for key in ("source", "target", "type", "required"))
        if not isinstance(source, str) or not source:
            problems.append(f"{where}.source: must not be empty")
        if not isinstance(target, str) or not TARGET_NAME.match(target):
            problems.append(f"{label}.target: must be a plain column name [A-Za-z_][A-Za-z0-9_]*")
        if not isinstance(type_name, str) or not (
            type_name in SIMPLE_COLUMN_TYPES
            or (decimal_precision_scale(type_name) and 1 <= decimal_precision_scale(type_name)[0] <= 38
                and decimal_precision_scale(type_name)[1] <= decimal_precision_scale(type_name)[0])
        ):
            problems.append(f"{label}.type: must be one of {', '.join(SIMPLE_COLUMN_TYPES)} or decimal(p,s)")
        if not isinstance(required, bool):
            problems.append(f"{label}.required: must be true or false")
        if isinstance(target, str):
            if target.lower() in targets:
                problems.append(f"{label}.target: duplicate target column \"{target}\" (also columns[{targets[target.lower()]}])")
            targets.setdefault(target.lower(), index)
        if isinstance(source, str):
            if source in sources:
                problems.append(f"{label}.source: source column \"{source}\" is mapped twice (also columns[{sources[source]}])")
            sources.setdefault(source, index)
    if problems:
        raise ColumnMappingError(f"Invalid {origin}: {'; '.join(problems)}")
    return document


def split_s3_url(url):
    match = re.match(r"^s3://([^/]+)/(.+)$", url)
    if not match:
        raise ValueError(f"Not an s3://bucket/key URL: {url}")
    return match.group(1), match.group(2)


def load_mapping(s3_url):
    import boto3

    bucket, key = split_s3_url(s3_url)
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    return validate_mapping(json.loads(body), f"column mapping {s3_url}")


def sql_identifier(name):
    """A column name quoted for Spark SQL and F.col (backticks doubled)."""
    return "`" + name.replace("`", "``") + "`"


def trim_sql(source):
    """Spark SQL trimming TRIM_CHARACTERS from both ends of a source column, as DuckDB's trim(value, characters)."""
    if "'" in TRIM_CHARACTERS or "\\" in TRIM_CHARACTERS:
        raise ValueError("TRIM_CHARACTERS must fit a SQL string literal as is")
    return f"trim(BOTH '{TRIM_CHARACTERS}' FROM {sql_identifier(source)})"


def without_residue_name(name):
    return name[: -len(LINE_END_RESIDUE)] if name.endswith(LINE_END_RESIDUE) else name


def without_line_end_residue(raw):
    """Records end at LF (CSV_READ_OPTIONS), so a CRLF record keeps its CR on its last value and a blank CRLF line reads
    as a record holding a lone CR: drop those records, remove one LINE_END_RESIDUE from the end of every value and
    column name, and make a value that was only a LINE_END_RESIDUE null (what an empty unquoted value reads as)."""
    from pyspark.sql import functions as F

    first, *rest = raw.columns
    blank_line = F.col(sql_identifier(first)).eqNullSafe(LINE_END_RESIDUE)
    for name in rest:
        blank_line = blank_line & F.col(sql_identifier(name)).isNull()

    def strip(name):
        value = F.col(sql_identifier(name))
        stripped = value.substr(F.lit(1), F.length(value) - len(LINE_END_RESIDUE))
        return (
            F.when(value == LINE_END_RESIDUE, F.lit(None).cast("string"))
            .when(value.endswith(LINE_END_RESIDUE), stripped)
            .otherwise(value)
            .alias(without_residue_name(name))
        )

    return raw.filter(~blank_line).select(*[strip(name) for name in raw.columns])


def spark_type(type_name):
    from pyspark.sql import types as T

    decimal = decimal_precision_scale(type_name)
    if decimal:
        return T.DecimalType(decimal[0], decimal[1])
    return {
        "string": T.StringType(),
        "int": T.IntegerType(),
        "bigint": T.LongType(),
        "double": T.DoubleType(),
        "boolean": T.BooleanType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
    }[type_name]


def column_rule(column):
    """(typed value, reject reason) Spark expressions for one mapping entry over a string column."""
    from pyspark.sql import functions as F

    source, type_name = column["source"], column["type"]
    raw = F.col(sql_identifier(source))
    trimmed = F.expr(trim_sql(source))
    missing = raw.isNull() | (trimmed == "")
    if type_name == "string":
        typed, castable = raw, F.lit(True)
    elif type_name == "boolean":
        lowered = F.lower(trimmed)
        typed = F.when(lowered.isin(BOOLEAN_TRUE_VALUES), F.lit(True)).when(lowered.isin(BOOLEAN_FALSE_VALUES), F.lit(False))
        castable = typed.isNotNull()
    else:
        pattern = VALUE_PATTERNS["decimal" if decimal_precision_scale(type_name) else type_name]
        typed = trimmed.cast(spark_type(type_name))
        castable = trimmed.rlike(pattern) & typed.isNotNull()
    value = F.when(missing, F.lit(None).cast(spark_type(type_name))).otherwise(typed).alias(column["target"])
    when_missing = F.lit(missing_required_reason(source)) if column["required"] else F.lit(None).cast("string")
    reason = F.when(missing, when_missing).when(~castable, F.lit(invalid_value_reason(source, type_name)))
    return value, reason


def main(argv):
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from pyspark.sql import functions as F

    args = getResolvedOptions(argv, ["JOB_NAME", "source_path", "target_path", "rejects_path", "mapping_path"])
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    # Casts must yield null (not fail) on bad values, and timestamps are read as written (UTC, no shifting).
    spark.conf.set("spark.sql.ansi.enabled", "false")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    mapping = load_mapping(args["mapping_path"])
    raw = without_line_end_residue(spark.read.options(**CSV_READ_OPTIONS).csv(args["source_path"]))
    missing_sources = [column["source"] for column in mapping["columns"] if column["source"] not in raw.columns]
    if missing_sources:
        raise ColumnMappingError(
            f"Mapped source columns missing from the CSV header of {args['source_path']}: "
            f"{', '.join(missing_sources)} (header: {', '.join(raw.columns)})"
        )

    rules = [column_rule(column) for column in mapping["columns"]]
    reason = F.concat_ws(REJECT_REASON_SEPARATOR, *[rule[1] for rule in rules])  # concat_ws skips nulls
    checked = raw.withColumn(REJECT_REASON_COLUMN, F.when(reason == "", F.lit(None)).otherwise(reason)).cache()
    accepted = checked.filter(F.col(REJECT_REASON_COLUMN).isNull()).select(*[rule[0] for rule in rules])
    rejected = checked.filter(F.col(REJECT_REASON_COLUMN).isNotNull())

    accepted.write.mode("overwrite").parquet(args["target_path"])
    rejected.write.mode("overwrite").option("header", "true").option("escape", '"').csv(args["rejects_path"])

    raw_records = checked.count()
    transformed_records = spark.read.parquet(args["target_path"]).count()  # count what was written
    rejected_records = rejected.count()
    rejects_by_reason = {row[REJECT_REASON_COLUMN]: row["count"] for row in rejected.groupBy(REJECT_REASON_COLUMN).count().collect()}
    counts = {
        "event": "nyc-taxi-counts",
        "jobName": args["JOB_NAME"],
        "sourcePath": args["source_path"],
        "rawRecords": raw_records,
        "transformedRecords": transformed_records,
        "rejectedRecords": rejected_records,
        "rejectsByReason": rejects_by_reason,
    }
    LOGGER.warning(json.dumps(counts))
    print(json.dumps(counts))
    if raw_records != transformed_records + rejected_records:
        raise RuntimeError(
            f"raw records {raw_records} != transformed {transformed_records} + rejected {rejected_records}"
        )
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
