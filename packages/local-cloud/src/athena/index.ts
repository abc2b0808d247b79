export { createAthenaService, type LocalAthena } from './athena-service';
export { QueryExecutions, type QueryExecution } from './query-executions';
export { WorkGroups, PRIMARY_WORKGROUP, type WorkGroup } from './workgroups';
