export { type CrawlerRun, type JobRun, type LiveTestBackend, type QueryRow, type StoredObject } from './backend';
export {
  CLOCK_SKEW_MS,
  DEFAULT_POLL_INTERVAL_MS,
  FIRST_POLL_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  createAwsBackend,
  systemClock,
  type AwsBackendOptions,
  type Clock,
} from './aws-backend';
export { CrawlerRunError, JobRunError, LiveTestConfigurationError, LiveTestTimeoutError, QueryError } from './errors';
export { DEFAULT_JUNIT_FILE, JUNIT_CLASSNAME, JUNIT_SUITE, liveTestJunit, type JunitOutcome } from './junit';
export {
  GlueEtlStackOutputsSchema,
  OUTPUT_ENVIRONMENT_VARIABLES,
  outputsFromEnvironment,
  parseGlueEtlStackOutputs,
  type GlueEtlStackOutputs,
} from './outputs';
export {
  QUERY_CONCURRENCY,
  formatLiveTestReport,
  runLiveTest,
  type LiveTestCheck,
  type LiveTestInput,
  type LiveTestReport,
} from './run-live-test';
export {
  ValidationRulesSchema,
  ValueRangeRuleSchema,
  loadValidationRules,
  parseValidationRules,
  type ValidationRules,
  type ValueRangeRule,
} from './validation';
