import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  changeSetView,
  choiceTaken,
  deployResultView,
  executionPath,
  formatSummary,
  layoutGraph,
  packagedStateMachineGraph,
  releaseHistory,
  ReleaseReportSchema,
  renderReport,
  shortLabel,
  StateMachineDefinitionError,
  stateMachineGraph,
  takenTransitions,
  type CloudFormationTemplate,
  type ReleaseReport,
} from '../src';

const REPO_ROOT = path.resolve(__dirname, '../../..');

// The ASL as the repository declares it, and as serverless-step-functions packages it: the definition JSON in an
// Fn::Sub whose variables are Fn::GetAtt of the task functions.
const readAsl = async () =>
  parse(await readFile(path.join(REPO_ROOT, 'state-machines/deploy.asl.yaml'), 'utf8')) as {
    StartAt: string;
    States: Record<string, Record<string, unknown>>;
  };

const packagedLike = (asl: unknown): CloudFormationTemplate => {
  const variables: Record<string, unknown> = {};
  const resources: CloudFormationTemplate['Resources'] = {};
  const text = JSON.stringify(asl, (key, value: unknown) => {
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (key !== 'Resource' || !getAtt) return value;
    const logicalId = `${getAtt[0][0]!.toUpperCase()}${getAtt[0].slice(1)}LambdaFunction`;
    const variable = `v${Object.keys(variables).length}`;
    variables[variable] = { 'Fn::GetAtt': [logicalId, 'Arn'] };
    resources[logicalId] = { Type: 'AWS::Lambda::Function', Properties: { FunctionName: `orch-local-${getAtt[0]}` } };
    return `\${${variable}}`;
  });
  return {
    Resources: {
      ...resources,
      DeployStateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: 'glue-cd-deploy-local', DefinitionString: { 'Fn::Sub': [text, variables] } },
      },
    },
  };
};

describe('the state machine graph, from the packaged definition', () => {
  test('a node per state in definition order, an edge per Next, Choice rule, Default and Catch, tasks named', async () => {
    const asl = await readAsl();
    const graph = packagedStateMachineGraph(packagedLike(asl), 'packaged');
    expect(graph.name).toBe('glue-cd-deploy-local');
    expect(graph.startAt).toBe(asl.StartAt);
    expect(graph.states.map((s) => s.name)).toEqual(Object.keys(asl.States));
    // Counted from the ASL itself, not from the code under test.
    const count = (kind: string) =>
      Object.values(asl.States).reduce<number>((sum, state) => {
        if (kind === 'next') return sum + (typeof state.Next === 'string' ? 1 : 0);
        if (kind === 'choice') return sum + ((state.Choices as unknown[] | undefined)?.length ?? 0);
        if (kind === 'default') return sum + (typeof state.Default === 'string' ? 1 : 0);
        return sum + ((state.Catch as unknown[] | undefined)?.length ?? 0);
      }, 0);
    for (const kind of ['next', 'choice', 'default', 'catch'] as const) {
      expect([kind, graph.transitions.filter((t) => t.kind === kind).length]).toEqual([kind, count(kind)]);
    }
    expect(graph.states.find((s) => s.name === 'CheckStack')).toEqual({
      name: 'CheckStack',
      type: 'Task',
      resource: 'orch-local-checkStack',
      end: false,
    });
    expect(graph.transitions).toContainEqual({
      from: 'RouteStack',
      to: 'WaitWhileStackBusy',
      kind: 'choice',
      label: 'stack.route = wait',
      rule: { Variable: '$.stack.route', StringEquals: 'wait' },
    });
    expect(graph.transitions).toContainEqual({
      from: 'CheckStack',
      to: 'DeployFailed',
      kind: 'catch',
      label: 'States.ALL',
    });
  });

  test.each([
    [
      'a variable the Fn::Sub does not define',
      { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Nope}","End":true}}}' },
      /refers to \$\{Nope\}/,
    ],
    [
      'a transition to a state it lacks',
      '{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}',
      /transitions to states it does not define: B/,
    ],
    ['text that is not JSON', '{"StartAt":', /is not JSON once resolved/],
  ])('refuses %s, naming it', (_name, definition, message) => {
    const template = {
      Resources: { M: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definition } } },
    };
    expect(() => packagedStateMachineGraph(template, 'tpl')).toThrow(StateMachineDefinitionError);
    expect(() => packagedStateMachineGraph(template, 'tpl')).toThrow(message);
  });

  test('choice labels are shortened for the picture', () => {
    expect(shortLabel('stack.route = create or stack.route = update or stack.route = recreate')).toBe(
      'route = create | update | recreate',
    );
    expect(shortLabel('changeSet.done = false')).toBe('done = false');
  });
});

describe('layoutGraph', () => {
  test('is deterministic, keeps boxes apart, sends forward edges down, loops up, catches to the bottom', async () => {
    const graph = stateMachineGraph('deploy', 'asl', await readAsl());
    const layout = layoutGraph(graph);
    expect(layoutGraph(graph)).toEqual(layout);
    expect(layout.nodes.map((n) => n.name)).toEqual(graph.states.map((s) => s.name));
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect([a.name, b.name, apart]).toEqual([a.name, b.name, true]);
      }
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(layout.width);
    }
    expect(layout.edges).toHaveLength(graph.transitions.length);
    const node = new Map(layout.nodes.map((n) => [n.name, n]));
    for (const edge of layout.edges) {
      const [from, to] = [node.get(edge.from)!, node.get(edge.to)!];
      if (edge.route === 'forward') expect(from.layer).toBeLessThan(to.layer);
      if (edge.route === 'back') expect(from.layer).toBeGreaterThanOrEqual(to.layer);
    }
    // The change-set polling loop and the stack-operation loop are drawn as loops.
    const back = layout.edges.filter((e) => e.route === 'back').map((e) => `${e.from}→${e.to}`);
    expect(back).toEqual(
      expect.arrayContaining(['InspectChangeSet→WaitForChangeSet', 'StackOperationDone→WaitForStackOperation']),
    );
    const failed = node.get('DeployFailed')!;
    expect(failed.layer).toBe(Math.max(...layout.nodes.map((n) => n.layer)));
    expect(layout.edges.filter((e) => e.to === 'DeployFailed').every((e) => e.route === 'bus')).toBe(true);
  });
});

describe('executionPath', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, 0, ms));
  const history: HistoryEvent[] = [
    { id: 1, timestamp: at(0), type: 'ExecutionStarted' },
    { id: 2, timestamp: at(10), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'CheckStack' } },
    { id: 3, timestamp: at(250), type: 'TaskStateExited', stateExitedEventDetails: { name: 'CheckStack' } },
    { id: 4, timestamp: at(260), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Refuse' } },
    {
      id: 5,
      timestamp: at(300),
      type: 'TaskFailed',
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'UnsafeChangeSetError',
        cause: 'refused change set x\n - RawBucket',
      },
    },
    { id: 6, timestamp: at(310), type: 'TaskStateExited', stateExitedEventDetails: { name: 'Refuse' } },
    { id: 7, timestamp: at(320), type: 'FailStateEntered', stateEnteredEventDetails: { name: 'DeployFailed' } },
    {
      id: 8,
      timestamp: at(400),
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'UnsafeChangeSetError' },
    },
  ];

  test('each visit with when it started, how long it took, the error raised in it, the state it failed in', () => {
    expect(executionPath(history)).toEqual([
      { name: 'CheckStack', outcome: 'exited', enteredAt: '2026-11-27T10:00:00.010Z', durationMs: 240 },
      {
        name: 'Refuse',
        outcome: 'exited',
        enteredAt: '2026-11-27T10:00:00.260Z',
        durationMs: 50,
        error: 'UnsafeChangeSetError: refused change set x',
      },
      { name: 'DeployFailed', outcome: 'failed', enteredAt: '2026-11-27T10:00:00.320Z', durationMs: 80 },
    ]);
  });

  test('events without timestamps still give the path', () => {
    const bare = history.map(({ timestamp: _t, ...event }) => event as HistoryEvent);
    expect(executionPath(bare).map((v) => [v.name, v.outcome, v.durationMs])).toEqual([
      ['CheckStack', 'exited', undefined],
      ['Refuse', 'exited', undefined],
      ['DeployFailed', 'failed', undefined],
    ]);
  });
});

describe('the change set as the execution carries it', () => {
  const violation = {
    logicalId: 'RawBucket',
    stackPath: [],
    resourceType: 'AWS::S3::Bucket',
    action: 'Modify',
    replacement: 'True',
    reason: 'resource would be replaced',
  };
  const exited = (name: string, output: unknown): HistoryEvent => ({
    id: 1,
    timestamp: new Date(),
    type: 'TaskStateExited',
    stateExitedEventDetails: { name, output: JSON.stringify(output) },
  });

  test('the whole verdict in PollChangeSet’s output: violations and accepted changes', () => {
    const verdict = {
      verdict: 'RESOURCES-BEING-DELETED-OR-REPLACED',
      safe: false,
      violations: [violation],
      accepted: [{ ...violation, logicalId: 'Scratch', reason: 'allowed' }],
      inspectedChanges: 4,
    };
    const view = changeSetView(
      [exited('PollChangeSet', { changeSet: { stackName: 's', changeSetName: 'cs-1', verdict } }), exited('Next', {})],
      undefined,
    );
    expect(view).toMatchObject({
      source: 'PollChangeSet output ($.changeSet.verdict)',
      stackName: 's',
      changeSetName: 'cs-1',
      safe: false,
      counts: { inspectedChanges: 4, violations: 1, accepted: 1 },
      changes: [
        { logicalId: 'RawBucket', disposition: 'refused', replacement: 'True' },
        { logicalId: 'Scratch', disposition: 'accepted' },
      ],
      broadening: [],
    });
  });

  test('a bounded summary in the deploy result: counts, the first violations, broadening, the S3 pointer', () => {
    const output = {
      outcome: 'updated',
      stackName: 's',
      outputs: {},
      verdict: {
        verdict: 'SECURITY-BROADENING-NOT-APPROVED',
        safe: false,
        refusal: 'broadening',
        counts: { inspectedChanges: 12000, violations: 10000, accepted: 0, broadening: 2, refusedBroadening: 1 },
        violations: [violation],
        broadening: [{ id: 'b1', kind: 'iam-statement', stackPath: [], description: 'Allow iam:* on *' }],
        onBroadening: 'fail',
        broadeningReason: 'onBroadening is fail',
        location: 's3://staging/verdicts/x/verdict.json',
      },
    };
    const view = changeSetView([], JSON.stringify(output));
    expect(view).toMatchObject({
      source: 'execution output (verdict)',
      counts: { inspectedChanges: 12000, violations: 10000, broadening: 2, refusedBroadening: 1 },
      changes: [{ logicalId: 'RawBucket', disposition: 'refused' }],
      broadening: [{ id: 'b1', kind: 'iam-statement', description: 'Allow iam:* on *', refused: true }],
      onBroadening: 'fail',
      location: 's3://staging/verdicts/x/verdict.json',
    });
    expect(deployResultView(JSON.stringify(output))).toEqual({ outcome: 'updated', stackName: 's', outputs: {} });
  });

  test('the full verdict with its broadening policy: every item, refused or accepted', () => {
    const verdict = {
      verdict: 'CAN-SAFELY-UPDATE-EXISTING-STACK',
      safe: true,
      violations: [],
      accepted: [],
      inspectedChanges: 3,
      broadening: {
        policy: 'approve',
        items: [
          { id: 'a', kind: 'iam-statement', stackPath: [], description: 'one' },
          { id: 'b', kind: 'public-access-block', stackPath: ['Nested'], description: 'two' },
        ],
        refused: [{ id: 'b', kind: 'public-access-block', stackPath: ['Nested'], description: 'two' }],
        reason: '1 of 2 not in the plan',
      },
    };
    const view = changeSetView([exited('PollChangeSet', { changeSet: { verdict } })], undefined);
    expect(view).toMatchObject({
      counts: { inspectedChanges: 3, violations: 0, broadening: 2, refusedBroadening: 1 },
      broadening: [
        { id: 'a', refused: false },
        { id: 'b', refused: true, stackPath: ['Nested'] },
      ],
      onBroadening: 'approve',
      broadeningReason: '1 of 2 not in the plan',
    });
  });

  test('nothing when the execution never inspected a change set', () => {
    expect(
      changeSetView([exited('CreateStack', { operation: {} })], '{"outcome":"created","stackName":"s"}'),
    ).toBeUndefined();
  });
});

describe('releaseHistory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-history-'));
    const report = (startedAt: string, succeeded: boolean, actions: unknown[]) =>
      JSON.stringify({ schemaVersion: 1, startedAt, succeeded, pipelineExecutionId: `e-${startedAt}`, actions });
    await writeFile(
      path.join(dir, 'release-a.json'),
      report('2026-11-25T10:00:00.000Z', true, [
        {
          stage: 'DeployToProduction',
          action: 'DeployToProduction',
          status: 'Succeeded',
          outputVariables: { outcome: 'created' },
        },
      ]),
    );
    await writeFile(path.join(dir, 'release-a.html'), '<!doctype html>');
    await writeFile(
      path.join(dir, 'release-b.json'),
      report('2026-11-26T10:00:00.000Z', false, [
        {
          stage: 'DeployToProduction',
          action: 'DeployToProduction',
          status: 'Failed',
          detail: 'UnsafeChangeSetError: refused\nmore',
        },
      ]),
    );
    await writeFile(path.join(dir, 'release-c.json'), '{ not json');
    await writeFile(path.join(dir, 'release-now.json'), report('2026-11-27T10:00:00.000Z', true, []));
    await writeFile(path.join(dir, 'latest.json'), report('2026-11-27T10:00:00.000Z', true, []));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the other release reports, newest first, each with its outcome; unreadable ones skipped', async () => {
    expect(await releaseHistory(dir, 'release-now.json')).toEqual([
      {
        file: 'release-b.json',
        json: 'release-b.json',
        startedAt: '2026-11-26T10:00:00.000Z',
        succeeded: false,
        pipelineExecutionId: 'e-2026-11-26T10:00:00.000Z',
        summary: 'failed at DeployToProduction/DeployToProduction: UnsafeChangeSetError: refused',
      },
      {
        file: 'release-a.html',
        json: 'release-a.json',
        startedAt: '2026-11-25T10:00:00.000Z',
        succeeded: true,
        pipelineExecutionId: 'e-2026-11-25T10:00:00.000Z',
        summary: 'production created',
      },
    ]);
    expect(await releaseHistory(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('renderReport', () => {
  const hostile = `<img src=x onerror=alert(1)>"'&`;
  const report = async (): Promise<ReleaseReport> => ({
    schemaVersion: 2,
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:01:00.000Z',
    succeeded: false,
    pipeline: 'glue-cd-local',
    pipelineExecutionId: 'e-1',
    setup: [{ step: 'Package', status: 'Succeeded', durationMs: 10, detail: 'packaged' }],
    actions: [
      {
        stage: 'Build',
        action: 'Build',
        category: 'Build',
        provider: 'CodeBuild',
        runOrder: 1,
        status: 'Succeeded',
        durationMs: 1000,
        detail: 'buildspecs/build.yml: SUCCEEDED',
        commands: [
          {
            phase: 'pre_build',
            block: 'commands',
            command: 'pnpm test',
            exitCode: null,
            status: 'skipped',
            reason: 'run separately',
            durationMs: 0,
          },
          { phase: 'build', block: 'commands', command: 'echo "<b>"', exitCode: 0, status: 'succeeded', durationMs: 5 },
        ],
        logFile: '/tmp/reports/release-x/Build.Build.log',
        runAs: 'arn:aws:iam::000000000000:role/glue-cd-pipeline-local-BuildProjectRole-X',
      },
    ],
    skipList: [{ command: 'pnpm test', reason: 'run separately' }],
    differences: [{ action: 'Build', difference: 'runtime-versions nodejs 22: this machine runs Node v20' }],
    executions: [
      {
        action: 'DeployToProduction',
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:glue-cd-deploy-local:codepipeline-1',
        status: 'FAILED',
        error: 'UnsafeChangeSetError',
        cause: `RawBucket <AWS::S3::Bucket> would be replaced ${hostile}`,
        path: [
          { name: 'CheckStack', outcome: 'exited', durationMs: 1234 },
          { name: 'DeployFailed', outcome: 'failed', durationMs: 5 },
        ],
      },
    ],
    stateMachine: stateMachineGraph('deploy', 'the ASL', await readAsl()),
    history: [
      {
        file: 'release-a b.html',
        json: 'release-a b.json',
        startedAt: '2026-11-24T10:00:00.000Z',
        succeeded: true,
        pipelineExecutionId: 'e-0',
        summary: hostile,
      },
    ],
  });

  test('a self-contained page from the JSON report: commands with exit codes, path, escaped text, relative links', async () => {
    const input = await report();
    expect(ReleaseReportSchema.parse(input)).toEqual(input);
    const html = renderReport(input);
    expect(html).toContain('<code>pnpm test</code><br><span class="neutral">run separately</span>');
    expect(html).toContain('<code>echo &quot;&lt;b&gt;&quot;</code></td><td class="ok">0</td>');
    expect(html).toContain('runtime-versions nodejs 22');
    expect(html).toContain('1. CheckStack</span> <span class="neutral">1.2 s</span>');
    expect(html).toContain('RawBucket &lt;AWS::S3::Bucket&gt; would be replaced');
    expect(html).toContain('<a href="release-a%20b.html">');
    expect(html).toContain('<a href="release-x/Build.Build.log">');
    expect(html).toContain(
      '<p class="arn">as arn:aws:iam::000000000000:role/glue-cd-pipeline-local-BuildProjectRole-X</p>',
    );
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script|https?:\/\/|@import|url\((?!#)/);
  });

  test('shows the plans the run made, escaped, with their verdict', async () => {
    const input: ReleaseReport = {
      ...(await report()),
      mode: 'plan',
      plans: [
        {
          action: 'PlanProduction',
          stackName: 'glue-cd-glue-etl-prod',
          url: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-2.json',
          textUrl: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-2.txt',
          summary: 'Plan for stack glue-cd-glue-etl-prod: 0 added, 1 modified',
          counts: { added: 0, modified: 1, replaced: 0, removed: 0, broadening: 1 },
          verdict: 'refused-broadening',
          text: '[+] Allow iam:* on <all>',
        },
      ],
    };
    expect(ReleaseReportSchema.parse(input)).toEqual(input);
    const html = renderReport(input);
    expect(html).toContain('Production plan (--plan: nothing deployed)');
    expect(html).toContain(
      '<h3>PlanProduction: glue-cd-glue-etl-prod <span class="bad">refused-broadening</span></h3>',
    );
    expect(html).toContain('<pre>[+] Allow iam:* on &lt;all&gt;</pre>');
  });
});

describe('formatSummary', () => {
  test('prints each test report and each refused change set beside the commands', async () => {
    const asl = await readAsl();
    const report: ReleaseReport = {
      schemaVersion: 2,
      startedAt: '2026-11-25T10:00:00.000Z',
      finishedAt: '2026-11-25T10:01:00.000Z',
      succeeded: false,
      pipeline: 'p',
      pipelineExecutionId: 'e',
      setup: [],
      actions: [
        {
          stage: 'LiveTest',
          action: 'AutomatedLiveTest',
          category: 'Test',
          provider: 'CodeBuild',
          runOrder: 2,
          status: 'Succeeded',
          durationMs: 1,
          detail: 'ok',
          reports: [
            {
              reportGroup: 'checks',
              reportGroupName: 'proj-checks',
              reportGroupArn: 'arn:aws:codebuild:us-east-1:000000000000:report-group/proj-checks',
              type: 'TEST',
              fileFormat: 'JUNITXML',
              status: 'FAILED',
              files: [],
              summary: {
                total: 3,
                statusCounts: { SUCCEEDED: 2, FAILED: 1, ERROR: 0, SKIPPED: 0, UNKNOWN: 0 },
                durationMs: 0,
              },
              testCases: [],
            },
          ],
        },
      ],
      skipList: [],
      differences: [],
      executions: [
        {
          action: 'DeployToProduction',
          executionArn: 'arn',
          status: 'FAILED',
          path: [],
          changeSet: {
            source: 's',
            verdict: 'RESOURCES-BEING-DELETED-OR-REPLACED',
            safe: false,
            counts: { inspectedChanges: 6, violations: 2, accepted: 0 },
            changes: [],
            broadening: [],
          },
        },
      ],
      stateMachine: stateMachineGraph('deploy', 'asl', asl),
      history: [],
    };
    const lines = formatSummary({
      succeeded: false,
      setup: [],
      actions: report.actions,
      executions: report.executions,
      outputVariables: {},
      report,
      reportPath: 'reports/release-x.html',
      jsonReportPath: 'reports/release-x.json',
    }).map((line) => `${line.level} ${line.text}`);
    expect(lines).toContain('detail report proj-checks: FAILED, 3 test cases, 1 failed');
    expect(lines).toContain(
      'fail DeployToProduction: change set RESOURCES-BEING-DELETED-OR-REPLACED, 2 destructive of 6 changes',
    );
  });
});

describe('which way a Choice went', () => {
  test('the first rule its input matches, else Default; unknown when a rule cannot be read here', async () => {
    const graph = stateMachineGraph('deploy', 'asl', await readAsl());
    const to = (index: number | undefined) => (index === undefined ? undefined : graph.transitions[index]!.to);
    expect(to(choiceTaken(graph, 'RouteStack', { stack: { route: 'update' } }))).toBe('PrepareTemplate');
    expect(to(choiceTaken(graph, 'RouteStack', { stack: { route: 'wait' } }))).toBe('WaitWhileStackBusy');
    expect(to(choiceTaken(graph, 'RouteStack', { stack: { route: 'sideways' } }))).toBe('UnknownRoute');
    expect(to(choiceTaken(graph, 'InspectChangeSet', { changeSet: { done: true, empty: false, safe: true } }))).toBe(
      'ExecuteChangeSet',
    );
    const odd = {
      ...graph,
      transitions: [{ from: 'C', to: 'X', kind: 'choice' as const, rule: { Variable: '$.a[0]', StringEquals: 'x' } }],
    };
    expect(choiceTaken(odd, 'C', { a: ['x'] })).toBeUndefined();
  });

  test('the path records the rule, and the picture takes only that edge when two rules lead to one state', async () => {
    const asl = await readAsl();
    // Two rules of one Choice into the same state: RouteDeploy's update and plan (added here if the ASL lacks it).
    const route = asl.States.RouteDeploy as { Choices: Record<string, unknown>[] };
    if (!route.Choices.some((rule) => rule.StringEquals === 'plan'))
      route.Choices.push({ Variable: '$.stack.route', StringEquals: 'plan', Next: 'CreateChangeSet' });
    expect(route.Choices.filter((rule) => rule.Next === 'CreateChangeSet')).toHaveLength(2);
    const graph = stateMachineGraph('deploy', 'asl', asl);
    const entered = (id: number, name: string, input?: unknown): HistoryEvent => ({
      id,
      timestamp: new Date(Date.UTC(2026, 10, 27, 10, 0, id)),
      type: 'ChoiceStateEntered',
      stateEnteredEventDetails: { name, ...(input ? { input: JSON.stringify(input) } : {}) },
    });
    const path = executionPath(
      [entered(1, 'RouteDeploy', { stack: { route: 'plan' } }), entered(2, 'CreateChangeSet')],
      graph,
    );
    const plan = graph.transitions.findIndex((t) => t.from === 'RouteDeploy' && t.label === 'stack.route = plan');
    expect(path[0]?.transition).toBe(plan);
    expect([...takenTransitions(graph, path)]).toEqual([plan]);
    // Without the rule (an older report), every edge between the two states.
    const update = graph.transitions.findIndex((t) => t.from === 'RouteDeploy' && t.label === 'stack.route = update');
    const { transition: _t, ...bare } = path[0]!;
    expect([...takenTransitions(graph, [bare, path[1]!])].sort()).toEqual([update, plan].sort());
  });
});
