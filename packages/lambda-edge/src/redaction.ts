// Credentials never reach a log line, a Step Functions Cause or a CodePipeline failure message: members whose key
// names a secret are replaced, access key ids and inline secrets in text are masked, and values an invocation
// remembers (artifact credentials, tokens, keys) are removed wherever they appear.

export const REDACTED = '[REDACTED]';

// AWSAccessKeyId, accessKeyId, secretAccessKey, sessionToken, continuationToken, SecretString, SecretBinary,
// StringToSign, SignatureProvided, CanonicalRequest, Authorization, x-amz-security-token, password, privateKey,
// credentials / artifactCredentials, and any *token or *secret*.
const SECRET_KEY =
  /^(aws)?accesskeyid$|secret|password|passphrase|token$|^x-amz-security-token$|signature|stringtosign|canonicalrequest|^authorization$|^(artifact)?credentials?$|privatekey/i;

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

// Long-term (AKIA), temporary (ASIA), role (AROA) and user (AIDA) ids: the type prefix stays, it tells which it was.
const ACCESS_KEY_ID = /\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g;
// S3 error XML that echoes the access key id.
const ACCESS_KEY_ID_XML = /(<AWSAccessKeyId>)[^<]*(<\/AWSAccessKeyId>)/g;
// A session token, a signature or a secret key printed after its header or parameter name.
const SECRET_IN_TEXT =
  /((?:x-amz-security-token|X-Amz-Security-Token|X-Amz-Signature|aws_secret_access_key|aws_session_token|Signature|SecretAccessKey|SessionToken)\s*[:=]\s*)[^\s,;&"'<]+/g;

/** Text with access key ids and inline secrets masked (the rules alone, nothing remembered). */
export const redactText = (text: string): string =>
  text
    .replace(ACCESS_KEY_ID, (id) => `${id.slice(0, 4)}${'*'.repeat(16)}`)
    .replace(ACCESS_KEY_ID_XML, `$1${REDACTED}$2`)
    .replace(SECRET_IN_TEXT, `$1${REDACTED}`);

// Shorter values are not worth remembering (and would mangle ordinary words).
const MIN_REMEMBERED = 8;
// Deeper than any log attribute we write; stops a pathological object from costing the invocation.
const MAX_DEPTH = 12;

/**
 * The redaction rules plus the secrets of the current invocation: `remember` what it reads (artifact credentials,
 * continuation tokens, token keys), `forget` at the start of the next one.
 */
export class Redactor {
  private readonly values = new Set<string>();

  remember(...values: (string | Uint8Array | undefined)[]): void {
    for (const value of values) {
      const text = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value;
      if (text && text.length >= MIN_REMEMBERED) this.values.add(text);
    }
  }

  forget(): void {
    this.values.clear();
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.values) out = out.split(secret).join(REDACTED);
    return redactText(out);
  }

  /** A deep copy with secret members replaced and every string cleaned (cycle-safe, depth-bounded). */
  value(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[Circular]';
    if (depth > MAX_DEPTH) return '[Truncated]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.value(item, seen, depth + 1));
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        isSecretKey(key) && item != null ? REDACTED : this.value(item, seen, depth + 1),
      ]),
    );
  }

  /** A JSON.stringify replacer (Powertools' `jsonReplacerFn`): secret members become [REDACTED], strings cleaned. */
  readonly replacer = (key: string, value: unknown): unknown => {
    if (key !== '' && isSecretKey(key) && value != null) return REDACTED;
    if (typeof value === 'string') return this.text(value);
    return value;
  };
}

const RULES_ONLY = new Redactor();

/** A deep copy with secrets redacted by the rules alone, for anything logged or thrown outside a logger. */
export const redact = (value: unknown): unknown => RULES_ONLY.value(value);
