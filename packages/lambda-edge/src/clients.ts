// The one SDK client factory of the services: every client gets a connection and a request deadline that throw, a
// bounded number of attempts, the region from the environment, and S3 path-style addressing behind a custom
// endpoint. Endpoints themselves are left to the SDK, which reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.

export type Environment = Record<string, string | undefined>;

/** Deadlines of every SDK call of a service: a hung call fails fast and the caller's own retry takes over. */
export interface ClientDeadlines {
  /** Milliseconds to establish the TCP/TLS connection. */
  connectionTimeoutMs: number;
  /** Milliseconds a request may take, from sending to the full response, before it is abandoned. */
  requestTimeoutMs: number;
  /** SDK attempts per call (its own retries with backoff) before the call fails. */
  maxAttempts: number;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The deadline part of every client's configuration. */
export const deadlineConfig = ({ connectionTimeoutMs, requestTimeoutMs, maxAttempts }: ClientDeadlines) => ({
  maxAttempts,
  requestHandler: {
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Without it the SDK's node handler only logs a warning when requestTimeout passes and keeps waiting.
    throwOnRequestTimeout: true,
  },
});

/** A custom endpoint (the local cloud on 127.0.0.1) has no bucket sub-domains: address buckets by path there. */
export const s3PathStyle = (env: Environment = process.env, endpoint?: string): boolean =>
  Boolean(endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);

export interface ClientFactoryOptions {
  deadlines: ClientDeadlines;
  env?: Environment;
  /** Overrides AWS_REGION (tests, the local cloud). */
  region?: string;
  /** Overrides the SDK's endpoint resolution for every client of the factory. */
  endpoint?: string;
  /** The default credentials of the factory's clients; default: the SDK's chain (the Lambda role). */
  credentials?: StaticCredentials;
}

type ClientClass<Client> = new (config: never) => Client;

export interface ClientFactory {
  /** The configuration every client gets. */
  readonly config: Record<string, unknown>;
  /** A client of any service with the factory's configuration (plus `extra`). */
  create<Client>(Client: ClientClass<Client>, extra?: Record<string, unknown>): Client;
  /** An S3 client: the same, with the path-style rule. */
  s3<Client>(Client: ClientClass<Client>, extra?: { credentials?: StaticCredentials }): Client;
}

const credentialsOf = ({ accessKeyId, secretAccessKey, sessionToken }: StaticCredentials) => ({
  accessKeyId,
  secretAccessKey,
  ...(sessionToken ? { sessionToken } : {}),
});

export const createClientFactory = (options: ClientFactoryOptions): ClientFactory => {
  const env = options.env ?? process.env;
  const region = options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const config: Record<string, unknown> = {
    ...deadlineConfig(options.deadlines),
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: credentialsOf(options.credentials) } : {}),
  };
  const construct = <Client>(Client: ClientClass<Client>, settings: Record<string, unknown>): Client =>
    new Client(settings as never);
  return {
    config,
    create: (Client, extra = {}) => construct(Client, { ...config, ...extra }),
    s3: (Client, extra = {}) =>
      construct(Client, {
        ...config,
        forcePathStyle: s3PathStyle(env, options.endpoint),
        ...(extra.credentials ? { credentials: credentialsOf(extra.credentials) } : {}),
      }),
  };
};
