export {
  createStateMachines,
  parseDefinition,
  LambdaTaskError,
  type ExecutionRecord,
  type ExecutionStatus,
  type HistoryEvent,
  type LocalStateMachines,
  type StateMachineOptions,
  type StateMachineRecord,
} from './state-machines';
export { createStatesService } from './states-service';
