import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import {
  BOOLEAN_FALSE_VALUES,
  BOOLEAN_TRUE_VALUES,
  REJECT_REASON_COLUMN,
  REJECT_REASON_SEPARATOR,
  SIMPLE_COLUMN_TYPES,
  VALUE_PATTERNS,
  invalidValueReason,
  missingRequiredReason,
  parseColumnMapping,
} from '@glue-cd/data-lake';
import { JOB_DIR, JOB_SCRIPT, MAPPING_FILE, makeTempDir } from './fixtures';

/** Runs python3 with glue-jobs/nyc-taxi importable (job.py imports pyspark/awsglue only inside main()). */
const python = async (code: string, input = '') => {
  const result = spawnSync('python3', ['-c', code], {
    cwd: JOB_DIR,
    input,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: JOB_DIR },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
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
