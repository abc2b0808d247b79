export { createCloudFormationService } from './service';
export { CloudFormationEngine, type CloudFormationServiceDeps, type StackResourceView } from './engine';
export { CloudFormationError, type CloudFormationErrorCode } from './errors';
export { CLOUDFORMATION_XMLNS, SUPPORTED_ACTIONS, decodeQueryMembers, toXml } from './protocol';
export { parseTemplate, parseTemplateUrl, type Template, type S3Location } from './template';
export { computeResourceChanges, changedPaths, type DiffSide } from './changes';
export { replacementForPath, type ReplacementRequirement } from './spec';
