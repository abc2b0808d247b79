import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import {
  BOOLEAN_FALSE_VALUES,
  BOOLEAN_TRUE_VALUES,
  LINE_END_RESIDUE,
  LocalCatalog,
  REJECT_REASON_COLUMN,
  REJECT_REASON_SEPARATOR,
  SIMPLE_COLUMN_TYPES,
  SPARK_CSV_READ_OPTIONS,
  TRIM_CHARACTERS,
  VALUE_PATTERNS,
  crawl,
  invalidValueReason,
  missingRequiredReason,
  parseColumnMapping,
  queryCatalog,
  runMappingJob,
  type ColumnMapping,
} from '@glue-cd/data-lake';
import { JOB_DIR, JOB_SCRIPT, MAPPING_FILE, makeTempDir } from './fixtures';

/** pyspark stand-in: job.py's rule-building functions evaluated row by row (see pyspark-stub/pyspark/__init__.py). */
const PYSPARK_STUB = join(__dirname, 'pyspark-stub');

/** Runs python3 with glue-jobs/nyc-taxi importable (job.py imports pyspark/awsglue only inside its functions). */
const python = async (code: string, input = '', { withPysparkStub = false } = {}) => {
  const result = spawnSync('python3', ['-c', code], {
    cwd: JOB_DIR,
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONPATH: withPysparkStub ? [JOB_DIR, PYSPARK_STUB].join(delimiter) : JOB_DIR,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** Runs the local engine's mapping job over `csv` and returns every row by id: its values, or its reject reason. */
const runLocalEngine = async (csv: string, mapping: ColumnMapping) => {
  const dir = await makeTempDir('twin');
  const source = join(dir, 'source.csv');
  await writeFile(source, csv);
  const result = await runMappingJob({
    sourcePath: source,
    targetPath: join(dir, 'lake', 'accepted'),
    rejectsPath: join(dir, 'lake', 'rejected'),
    mapping,
  });
  const catalog = await LocalCatalog.open(join(dir, 'state'));
  await crawl({ catalog, databaseName: 'lake', path: join(dir, 'lake', 'accepted') });
  await crawl({ catalog, databaseName: 'lake', path: join(dir, 'lake', 'rejected') });
  return {
    result,
    accepted: await queryCatalog(catalog, 'SELECT * FROM lake.accepted'),
    rejected: await queryCatalog(catalog, `SELECT * FROM lake.rejected`),
  };
};

describe('glue-jobs/nyc-taxi/job.py', () => {
  it('compiles', async () => {
    const cache = await makeTempDir('pycache');
    const result = spawnSync('python3', ['-m', 'py_compile', JOB_SCRIPT], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('takes exactly the arguments the stack passes', async () => {
    const script = await readFile(JOB_SCRIPT, 'utf8');
    expect(script).toContain(
      'getResolvedOptions(argv, ["JOB_NAME", "source_path", "target_path", "rejects_path", "mapping_path"])',
    );
  });

  it('shares the mapping semantics constants with the local engine', async () => {
    const { status, stdout, stderr } = await python(
      'import json, job; print(json.dumps({"patterns": job.VALUE_PATTERNS, "true": job.BOOLEAN_TRUE_VALUES, "false": job.BOOLEAN_FALSE_VALUES,' +
        ' "separator": job.REJECT_REASON_SEPARATOR, "column": job.REJECT_REASON_COLUMN, "types": job.SIMPLE_COLUMN_TYPES,' +
        ' "missing": job.missing_required_reason("fare_amount"), "invalid": job.invalid_value_reason("fare_amount", "decimal(10,2)")}))',
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      patterns: VALUE_PATTERNS,
      true: BOOLEAN_TRUE_VALUES,
      false: BOOLEAN_FALSE_VALUES,
      separator: REJECT_REASON_SEPARATOR,
      column: REJECT_REASON_COLUMN,
      types: SIMPLE_COLUMN_TYPES,
      missing: missingRequiredReason('fare_amount'),
      invalid: invalidValueReason('fare_amount', 'decimal(10,2)'),
    });
  });

  const good = { source: 'fare_amount', target: 'fare_amount', type: 'decimal(10,2)', required: true };
  const mappingCases: [string, unknown][] = [
    ['a valid mapping', { columns: [good] }],
    ['an unknown type', { columns: [{ ...good, type: 'float' }] }],
    ['a too-wide decimal', { columns: [{ ...good, type: 'decimal(39,2)' }] }],
    ['a duplicate target', { columns: [good, { ...good, source: 'total_amount', target: 'Fare_Amount' }] }],
    ['a duplicate source', { columns: [good, { ...good, target: 'fare2' }] }],
    ['a non-boolean required', { columns: [{ ...good, required: 'yes' }] }],
    ['a target with a space', { columns: [{ ...good, target: 'fare amount' }] }],
    ['an unknown key', { columns: [{ ...good, nullable: true }] }],
    ['no columns', { columns: [] }],
  ];
  const verdictOf = (mapping: unknown): 'accepted' | 'refused' => {
    try {
      parseColumnMapping(mapping);
      return 'accepted';
    } catch {
      return 'refused';
    }
  };

  it('judges the real mapping and every bad-mapping case like parseColumnMapping', async () => {
    const mappings = [
      JSON.parse(await readFile(MAPPING_FILE, 'utf8')) as unknown,
      ...mappingCases.map(([, mapping]) => mapping),
    ];
    const { status, stdout, stderr } = await python(
      [
        'import json, sys, job',
        'def verdict(mapping):',
        '    try:',
        '        job.validate_mapping(mapping)',
        '        return "accepted"',
        '    except job.ColumnMappingError:',
        '        return "refused"',
        'print(json.dumps([verdict(mapping) for mapping in json.load(sys.stdin)]))',
      ].join('\n'),
      JSON.stringify(mappings),
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const names = ['the real mapping.json', ...mappingCases.map(([name]) => name)];
    const pythonVerdicts = JSON.parse(stdout) as string[];
    expect(names.map((name, index) => [name, pythonVerdicts[index]])).toEqual(
      names.map((name, index) => [name, verdictOf(mappings[index])]),
    );
    expect(pythonVerdicts[0]).toBe('accepted');
  });
});

describe('job.py reads and trims like the local engine (packages/data-lake)', () => {
  it('passes spark.read the options, and strips the line-end residue and trim characters, the engine declares', async () => {
    const { status, stdout, stderr } = await python(
      'import json, job; print(json.dumps({"options": job.CSV_READ_OPTIONS, "residue": job.LINE_END_RESIDUE, "trim": job.TRIM_CHARACTERS}))',
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({
      options: SPARK_CSV_READ_OPTIONS,
      residue: LINE_END_RESIDUE,
      trim: TRIM_CHARACTERS,
    });
  });

  it('reads the source only through CSV_READ_OPTIONS and the residue rule, and trims only with trim_sql', async () => {
    const { status, stdout, stderr } = await python(
      [
        'import ast, json',
        'tree = ast.parse(open("job.py").read())',
        'functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}',
        'calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]',
        'def assigned(function, name):',
        '    return [ast.unparse(n.value) for n in ast.walk(functions[function]) if isinstance(n, ast.Assign) and [ast.unparse(t) for t in n.targets] == [name]]',
        'reads = [ast.unparse(c) for c in calls if isinstance(c.func, ast.Attribute) and ast.unparse(c.func.value).startswith("spark.read") and c.func.attr in ("csv", "load", "text", "format")]',
        'trims = [ast.unparse(c) for c in calls if ast.unparse(c.func) in ("F.trim", "F.ltrim", "F.rtrim", "F.btrim")]',
        'print(json.dumps({"reads": reads, "raw": assigned("main", "raw"), "trimmed": assigned("column_rule", "trimmed"), "trims": trims}))',
      ].join('\n'),
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({
      reads: ["spark.read.options(**CSV_READ_OPTIONS).csv(args['source_path'])"],
      raw: ["without_line_end_residue(spark.read.options(**CSV_READ_OPTIONS).csv(args['source_path']))"],
      trimmed: ['F.expr(trim_sql(source))'],
      trims: [],
    });
  });

  // Values around the edges of "blank": whitespace the rules trim and whitespace they do not (NBSP, VT, U+2028).
  const edgeValues = [
    null,
    '',
    ' ',
    '\t',
    '\r',
    '\n',
    ' \r\n\t ',
    'ok',
    ' ok ',
    '\tok\r',
    '\u00a0',
    '\u000b',
    '\u2028',
  ].concat(['yes', ' YES\t', 'Y\r', 'n\n', 'TRUE', 'tru e', 'ſ', 'x"y', 'a,b']);
  const quoted = (value: string | null) => (value === null ? '' : `"${value.replaceAll('"', '""')}"`);

  it('finds the same values missing, invalid and valid as the engine, after trimming the same characters', async () => {
    const rows = edgeValues.flatMap((value) => [
      { note: value, flag: 'true' },
      { note: 'ok', flag: value },
    ]);
    const mapping = parseColumnMapping({
      columns: [
        { source: 'id', target: 'id', type: 'int', required: true },
        { source: 'note', target: 'note', type: 'string', required: true },
        { source: 'flag', target: 'flag', type: 'boolean', required: true },
      ],
    });
    const csv = `id,note,flag\n${rows.map((row, id) => `${id},${quoted(row.note)},${quoted(row.flag)}`).join('\n')}\n`;
    const { accepted, rejected } = await runLocalEngine(csv, mapping);
    const engine = [
      ...accepted.map((row) => ({ id: row.id, note: row.note, flag: row.flag, reason: null })),
      ...rejected.map((row) => ({ id: Number(row.id), note: null, flag: null, reason: row[REJECT_REASON_COLUMN] })),
    ].sort((a, b) => Number(a.id) - Number(b.id));

    // job.py: its residue rule, then column_rule per mapped column, reasons joined as main() joins them
    const { status, stdout, stderr } = await python(
      [
        'import json, sys, job',
        'from pyspark.sql import DataFrame',
        'mapping, rows = json.load(sys.stdin)',
        'raw = job.without_line_end_residue(DataFrame(["id", "note", "flag"], rows))',
        'rules = {c["source"]: job.column_rule(c) for c in mapping["columns"] if c["source"] != "id"}',
        'out = []',
        'for row in raw.rows:',
        '    reasons = [r.evaluate(row) for _, r in rules.values() if r.evaluate(row) is not None]',
        '    values = {source: (None if reasons else v.evaluate(row)) for source, (v, _) in rules.items()}',
        '    out.append({"id": int(row["id"]), **values, "reason": job.REJECT_REASON_SEPARATOR.join(reasons) or None})',
        'print(json.dumps(out))',
      ].join('\n'),
      JSON.stringify([mapping, rows.map((row, id) => ({ id: String(id), ...row }))]),
      { withPysparkStub: true },
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(engine).toEqual(JSON.parse(stdout));
    expect(engine.filter((row) => row.reason === null).length).toBeGreaterThan(0);
  });

  // Spark's CSV reader on quote-free text with lineSep "\n" (univocity): records end at LF, empty lines are skipped,
  // values split at commas, an empty value is null, a short record is padded with nulls.
  const sparkReadsSql = [
    'def spark_reads(text):',
    '    records = [line.split(",") for line in text.split("\\n") if line != ""]',
    '    header, rows = records[0], records[1:]',
    '    return DataFrame(header, [{name: (tokens[i] or None) if i < len(tokens) else None for i, name in enumerate(header)} for tokens in rows])',
  ].join('\n');

  it.each([
    ['LF', 'a,b,c\n1,2,3\n4,,\n'],
    ['CRLF', 'a,b,c\r\n1,2,3\r\n4,,\r\n'],
    ['LF header, CRLF rows, a short row and blank CRLF lines', 'a,b,c\n1,2,3\r\n\r\n7,8\r\n9, x ,y \r\n\r\n'],
    ['CRLF header, LF rows, no ending on the last line', 'a,b,c\r\n1,2,3\n4,5,\n6\n7,8,9'],
  ])('reads %s into the same rows as the engine', async (_case, csv) => {
    const mapping = parseColumnMapping({
      columns: ['a', 'b', 'c'].map((name) => ({ source: name, target: name, type: 'string', required: false })),
    });
    const { result, accepted } = await runLocalEngine(csv, mapping);
    const { status, stdout, stderr } = await python(
      [
        'import json, sys, job',
        'from pyspark.sql import DataFrame',
        sparkReadsSql,
        'mapping, text = json.load(sys.stdin)',
        'raw = job.without_line_end_residue(spark_reads(text))',
        'values = [job.column_rule(c)[0] for c in mapping["columns"]]',
        'print(json.dumps({"columns": raw.columns, "rows": [{v.name: v.evaluate(row) for v in values} for row in raw.rows]}))',
      ].join('\n'),
      JSON.stringify([mapping, csv]),
      { withPysparkStub: true },
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const spark = JSON.parse(stdout) as { columns: string[]; rows: unknown[] };
    expect(spark.columns).toEqual(['a', 'b', 'c']);
    expect(result.rejectedRecords).toBe(0);
    expect(accepted).toEqual(spark.rows);
  });
});
