// Credentials never reach a log line or an error message: keys that name a secret are replaced, and access key ids
// and session tokens inside text are masked.

export const REDACTED = '[REDACTED]';

// AWSAccessKeyId, accessKeyId, secretAccessKey, sessionToken, SecretString, StringToSign, SignatureProvided,
// CanonicalRequest, Authorization, x-amz-security-token, password, and any *token / *secret / *credentials.
const SECRET_KEY =
  /^(aws)?accesskeyid$|secret|password|passphrase|token$|^x-amz-security-token$|signature|stringtosign|canonicalrequest|^authorization$|^credentials?$|privatekey/i;

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

const ACCESS_KEY_ID = /\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g;
// A session token, or a signature, printed after its header or parameter name.
const SECRET_IN_TEXT =
  /((?:x-amz-security-token|X-Amz-Security-Token|X-Amz-Signature|aws_secret_access_key|aws_session_token|Signature|SecretAccessKey|SessionToken)\s*[:=]\s*)[^\s,;&"']+/g;

/** Text with access key ids and inline secrets masked. */
export const redactText = (text: string): string =>
  text.replace(ACCESS_KEY_ID, (id) => `${id.slice(0, 4)}${'*'.repeat(16)}`).replace(SECRET_IN_TEXT, `$1${REDACTED}`);

/** A JSON.stringify replacer: secret keys become [REDACTED], strings are masked. Objects are left to recurse into. */
export const redactingReplacer = (key: string, value: unknown): unknown => {
  if (key !== '' && isSecretKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  return value;
};

/** A deep copy with secrets redacted (cycle-safe), for anything logged or thrown outside the logger. */
export const redact = (value: unknown, seen = new WeakSet<object>()): unknown => {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      isSecretKey(k) && v != null ? REDACTED : redact(v, seen),
    ]),
  );
};
