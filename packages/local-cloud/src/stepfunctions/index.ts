export {
  createStateMachines,
  parseDefinition,
  LambdaTaskError,
  PAYLOAD_QUOTA_BYTES,
  type ExecutionRecord,
  type ExecutionStatus,
  type HistoryEvent,
  type LocalStateMachines,
  type StateMachineOptions,
  type StateMachineRecord,
} from './state-machines';
export { DEFAULT_EXECUTION_RETENTION_DAYS } from './store';
export { createStatesService } from './states-service';
