// Schemas many fields share. zod/mini builds each schema's internals when it is declared (and `.check()` clones the
// schema it checks), all at a Lambda's cold start: one instance per piece, not one per field. Schemas are immutable,
// so a shared one accepts, rejects and words its messages exactly as its copies did.
import * as z from './zod-mini';

/** A string of at least one character. */
export const nonEmptyString = z.string().check(z.minLength(1));

/** A whole number, zero or more. */
export const count = z.int().check(z.nonnegative());
