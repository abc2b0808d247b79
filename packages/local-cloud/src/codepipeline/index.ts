export {
  createCodePipelineService,
  type JobResultLog,
  type LocalJobData,
  type LocalPipelineContext,
  type RecordedJobResult,
} from './job-results';
