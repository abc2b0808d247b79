export {
  createFunctionRuntime,
  functionNameOf,
  type FunctionRecord,
  type FunctionRuntimeOptions,
  type LocalFunctionRuntime,
  type LocalInvokeResult,
} from './function-runtime';
export { createLambdaService, functionConfiguration } from './lambda-service';
