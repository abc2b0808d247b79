import { SqlQueryError } from '@glue-cd/data-lake';
import { ServiceAccessDenied, s3UrlOfDenial } from '../iam/service-principals';

/** Athena's error code for a query its caller may not run; its reason is the message alone, as Athena shows it. */
export const PERMISSION_DENIED = 'PERMISSION_DENIED';

/**
 * A denial of the query's caller as Athena reports it: `Permission denied on S3 path: s3://…` for a table's files,
 * `Insufficient permissions to execute the query. User: … glue:GetTable …` for the catalog (the local cloud adds
 * the IAM reason to the S3 one).
 */
export const asQueryDenial = async <T>(work: Promise<T>): Promise<T> => {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof ServiceAccessDenied)) throw error;
    throw new SqlQueryError(
      PERMISSION_DENIED,
      error.service === 's3'
        ? `Permission denied on S3 path: ${s3UrlOfDenial(error)} (${error.denial})`
        : `Insufficient permissions to execute the query. ${error.message}`,
    );
  }
};

/** The result file's write as Athena reports its denials: the bucket cannot be located, or the object not written. */
export const asOutputDenial = async (url: string, work: Promise<void>): Promise<void> => {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof ServiceAccessDenied)) throw error;
    throw new SqlQueryError(
      PERMISSION_DENIED,
      error.input.Key === undefined
        ? `Unable to verify/create output bucket ${String(error.input.Bucket)} (${error.denial})`
        : `Access denied when writing output to url: ${url} . Please ensure you are allowed to access the S3 bucket. (${error.denial})`,
    );
  }
};
