export * from './registry.collections.js';
export { ModelPackageGroupService, type GroupCreateExtras, type RegistryServiceOptions } from './model-package-group.service.js';
export { ModelPackageService, type ModelPackageCreateExtras, type ModelPackageServiceOptions } from './model-package.service.js';
export { approvalTransitions, DEPLOYMENT_APPROVAL_TAG, deploymentApprovalOf, mayDeploy, type DeploymentApproval } from './approval-rules.js';
export { modelPackageContainer, type PackageContainer } from './deploy-gate.js';
export { groupKeyOf, packageRefOf } from './package-refs.js';
