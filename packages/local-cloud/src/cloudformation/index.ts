import * as cloudFormationModel from '@aws-sdk/client-cloudformation';
import { decodeQueryForm, encodeQueryXml } from '../protocols/query';
import { operationModel } from '../protocols/shapes';

export { createCloudFormationService, CLOUDFORMATION_XMLNS } from './service';
export { CloudFormationEngine, type StackResourceView } from './engine';
export type { CloudFormationServiceDeps } from './deps';
export { SUPPORTED_ACTIONS } from './api';
export { cloudFormationError, validationError, type CloudFormationErrorCode } from './errors';
export { parseTemplate, parseTemplateUrl, type Template, type S3Location } from './model/template';
export { computeResourceChanges, changedPaths, type DiffSide } from './change-set/changes';
export { parseStackPolicy, policyDecision, type StackPolicy, type UpdateAction } from './change-set/stack-policy';
export { replacementForPath, type ReplacementRequirement } from './model/spec';

/** A CloudFormation Query request's members, typed by its action's input shape (`Action=` in the form). */
export const decodeQueryMembers = (form: URLSearchParams): Record<string, unknown> =>
  decodeQueryForm(form, operationModel(cloudFormationModel, form.get('Action') ?? '')?.input);

/** An output value as AWS Query XML (lists as `<member>`, dates in ISO 8601), typed by a shape when one is given. */
export const toXml = (value: unknown): string => encodeQueryXml(value);
