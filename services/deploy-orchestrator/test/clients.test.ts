// The one client factory: every orchestrator SDK call has a deadline. Real clients against a local endpoint that
// never answers (no aws-sdk-client-mock here: it would replace the very send being tested).
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { createServer, type Server, type Socket } from 'node:net';
import { createAwsClients, SDK_DEADLINES } from '../src/clients';

describe('SDK clients', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let restoreEnv: Record<string, string | undefined>;
  beforeAll(async () => {
    // Accepts connections and never answers: a hung AWS endpoint.
    server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const variables = {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    restoreEnv = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
    Object.assign(process.env, variables);
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(restoreEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('abandon a request that gets no answer (request timeout) instead of hanging the Lambda', async () => {
    const { cloudFormation, s3 } = createAwsClients({ requestTimeoutMs: 200, maxAttempts: 1 });
    await expect(cloudFormation.send(new DescribeStacksCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('SDK_DEADLINES', () => {
  it('lets three attempts of a hung call end inside the 60 s Lambda timeout', () => {
    const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = SDK_DEADLINES;
    expect(maxAttempts * (connectionTimeoutMs + requestTimeoutMs)).toBeLessThan(60_000);
  });
});
