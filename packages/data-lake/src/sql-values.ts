import {
  DuckDBDecimalType,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** A result column as Athena describes it in `ResultSetMetadata.ColumnInfo` (Trino type names). */
export interface ResultColumn {
  name: string;
  type: string;
  precision: number;
  scale: number;
}

// Athena's precision for each fixed-size type (varchar: its maximum length).
const VARCHAR_PRECISION = 2147483647;

/** DuckDB result type -> the Trino type Athena reports (DuckDB's wider sum types fold back to Athena's). */
export const athenaType = (type: DuckDBType): Omit<ResultColumn, 'name'> => {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: 'boolean', precision: 0, scale: 0 };
    case DuckDBTypeId.TINYINT:
      return { type: 'tinyint', precision: 3, scale: 0 };
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return { type: 'smallint', precision: 5, scale: 0 };
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return { type: 'integer', precision: 10, scale: 0 };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT: // DuckDB's sum(bigint); Trino's is bigint
    case DuckDBTypeId.UHUGEINT:
      return { type: 'bigint', precision: 19, scale: 0 };
    case DuckDBTypeId.FLOAT:
      return { type: 'float', precision: 7, scale: 0 };
    case DuckDBTypeId.DOUBLE:
      return { type: 'double', precision: 17, scale: 0 };
    case DuckDBTypeId.DECIMAL: {
      const decimal = type as DuckDBDecimalType;
      return { type: 'decimal', precision: decimal.width, scale: decimal.scale };
    }
    case DuckDBTypeId.DATE:
      return { type: 'date', precision: 0, scale: 0 };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { type: 'timestamp', precision: 3, scale: 0 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: 'timestamp with time zone', precision: 3, scale: 0 };
    case DuckDBTypeId.TIME:
      return { type: 'time', precision: 3, scale: 0 };
    case DuckDBTypeId.BLOB:
      return { type: 'varbinary', precision: VARCHAR_PRECISION, scale: 0 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { type: 'array', precision: 0, scale: 0 };
    case DuckDBTypeId.STRUCT:
      return { type: 'row', precision: 0, scale: 0 };
    case DuckDBTypeId.MAP:
      return { type: 'map', precision: 0, scale: 0 };
    case DuckDBTypeId.SQLNULL:
      return { type: 'unknown', precision: 0, scale: 0 };
    default:
      return { type: 'varchar', precision: VARCHAR_PRECISION, scale: 0 };
  }
};

/** Java's Double.toString, which Athena (Trino on the JVM) uses for double values: `24.8`, `7.0`, `1.2345E7`. */
export const javaDoubleString = (value: number): string => {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(value); // shortest round-trip digits, never exponential in this range
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
};

const pad = (value: number | bigint, width: number): string => String(value).padStart(width, '0');

/** Trino's timestamp(3) text: `2019-01-03 08:49:57.000` (microseconds rounded half up to milliseconds). */
const timestampText = (micros: bigint): string => {
  const millis = micros >= 0n ? (micros + 500n) / 1000n : -((-micros + 499n) / 1000n);
  const date = new Date(Number(millis));
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}`
  );
};

/** One value as Athena's `VarCharValue` text (null stays null: Athena leaves VarCharValue out). */
export const athenaText = (value: DuckDBValue, type: DuckDBType): string | null => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return javaDoubleString(Number(value));
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return value instanceof DuckDBTimestampValue ? timestampText(value.micros) : String(value);
    default:
      return String(value);
  }
};
