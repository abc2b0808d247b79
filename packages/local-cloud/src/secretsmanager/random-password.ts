import { randomInt } from 'node:crypto';
import { AwsServiceError } from '../aws-error';

/** GetRandomPassword's (and CloudFormation's GenerateSecretString's) options, with AWS's defaults. */
export interface RandomPasswordOptions {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
}

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMBERS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A password from a cryptographic source, as Secrets Manager generates one (32 characters of all types by default). */
export const randomPassword = (options: RandomPasswordOptions = {}): string => {
  const length = options.PasswordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new AwsServiceError('InvalidParameterException', 'PasswordLength must be between 1 and 4096', 400);
  }
  const excluded = new Set(options.ExcludeCharacters ?? '');
  const groups = [
    options.ExcludeLowercase ? '' : LOWERCASE,
    options.ExcludeUppercase ? '' : UPPERCASE,
    options.ExcludeNumbers ? '' : NUMBERS,
    options.ExcludePunctuation ? '' : PUNCTUATION,
    options.IncludeSpace ? ' ' : '',
  ]
    .map((group) => [...group].filter((char) => !excluded.has(char)).join(''))
    .filter((group) => group.length > 0);
  const alphabet = groups.join('');
  if (alphabet === '') {
    throw new AwsServiceError('InvalidParameterException', 'The password options exclude every character', 400);
  }
  const requireEach = options.RequireEachIncludedType ?? true;
  if (requireEach && groups.length > length) {
    throw new AwsServiceError(
      'InvalidParameterException',
      `PasswordLength ${length} is too short to include each of the ${groups.length} required character types`,
      400,
    );
  }
  for (;;) {
    const password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    if (!requireEach || groups.every((group) => [...password].some((char) => group.includes(char)))) return password;
  }
};
