// Each deploy task is declared once (tasks.js); the handler map, the handler files and the state machine's
// `Fn::GetAtt: [<task>, Arn]` references must agree with that table.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { taskHandlers } from '../src/handlers';

interface TaskTable {
  TASK_NAMES: string[];
  STATE_MACHINE_OPERATIONS: { Sid: string; Action: string[]; Resource: unknown }[];
  handlerPath: (task: string) => string;
  roleId: (task: string) => string;
  lambdaLogicalId: (task: string) => string;
  deployContext: (options: { stage: string }) => unknown;
  functionsFor: (context: unknown) => Record<string, { handler: string; role: string; environment?: object }>;
  resourcesFor: (context: unknown) => {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tasks = require('../tasks.js') as TaskTable;

const serviceDir = path.resolve(__dirname, '..');
const aslPath = path.resolve(serviceDir, '../../state-machines/deploy.asl.yaml');

/** Every `Fn::GetAtt: [<name>, Arn]` anywhere in the state machine definition. */
const getAttNames = (node: unknown): string[] => {
  if (Array.isArray(node)) return node.flatMap(getAttNames);
  if (typeof node !== 'object' || node === null) return [];
  const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return [String(getAtt[0])];
  return Object.values(node).flatMap(getAttNames);
};

describe('the task table (tasks.js)', () => {
  const context = tasks.deployContext({ stage: 'test' });

  it('names the same tasks, in the same order, as the handler map', () => {
    expect(tasks.TASK_NAMES).toEqual(Object.keys(taskHandlers));
  });

  it.each(tasks.TASK_NAMES)('%s: its handler file exists and exports the mapped handler', (task) => {
    const [file, exported] = tasks.handlerPath(task).split('.') as [string, string];
    const source = path.join(serviceDir, `${file}.ts`);
    expect(existsSync(source)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(source) as Record<string, unknown>;
    expect(module[exported]).toBe(taskHandlers[task as keyof typeof taskHandlers]);
  });

  it('is what the state machine references: every Task resource is a task, every task is used', () => {
    const referenced = new Set(getAttNames(parseYaml(readFileSync(aslPath, 'utf8'))));
    expect([...referenced].sort()).toEqual([...tasks.TASK_NAMES].sort());
  });

  it('gives every function its handler and its own role, and generates that role', () => {
    const functions = tasks.functionsFor(context);
    const { Resources } = tasks.resourcesFor(context);
    expect(Object.keys(functions)).toEqual(tasks.TASK_NAMES);
    for (const task of tasks.TASK_NAMES) {
      expect(functions[task]).toMatchObject({ handler: tasks.handlerPath(task), role: tasks.roleId(task) });
      expect(Resources[tasks.roleId(task)]?.Type).toBe('AWS::IAM::Role');
    }
    const roles = Object.values(functions).map((fn) => fn.role);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('lets the state machine invoke exactly the table’s functions, and deliver only its logs and traces', () => {
    const { Resources } = tasks.resourcesFor(context);
    const policies = Resources.DeployStateMachineRole?.Properties.Policies as {
      PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] };
    }[];
    const [statement, ...others] = policies.flatMap((p) => p.PolicyDocument.Statement);
    // Log delivery and X-Ray take no resource ARN (tasks.js); nothing else beside the invoke statement.
    expect(others).toEqual(tasks.STATE_MACHINE_OPERATIONS);
    expect(others.flatMap((s) => s.Action).every((a) => /^(logs|xray):/.test(a))).toBe(true);
    expect(statement?.Action).toEqual(['lambda:InvokeFunction']);
    expect(statement?.Resource).toEqual(
      tasks.TASK_NAMES.flatMap((task) => [
        { 'Fn::GetAtt': [tasks.lambdaLogicalId(task), 'Arn'] },
        { 'Fn::Sub': `\${${tasks.lambdaLogicalId(task)}.Arn}:*` },
      ]),
    );
  });

  it('passes the per-environment CloudFormation roles to the tasks that send RoleARN', () => {
    const functions = tasks.functionsFor(context);
    const withRoles = tasks.TASK_NAMES.filter(
      (task) => 'CLOUDFORMATION_ROLE_ARNS' in (functions[task]?.environment ?? {}),
    );
    expect(withRoles).toEqual(['createStack', 'createChangeSet', 'pollChangeSet', 'deleteStack']);
  });
});
