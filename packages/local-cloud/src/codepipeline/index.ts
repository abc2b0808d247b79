export { createCodePipelineService, type JobResultLog, type RecordedJobResult } from './job-results';
