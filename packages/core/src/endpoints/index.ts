export * from './endpoint.collections.js';
export { EndpointConfigService, type EndpointConfigServiceOptions } from './endpoint-config.service.js';
export { EndpointService, describeEndpoint, plannedVariants, type EndpointServiceOptions } from './endpoint.service.js';
export { EndpointStore } from './endpoint-store.js';
export { idleDeployer, type EndpointDeployer } from './endpoint-deployer.js';
export { AlarmService, type AlarmServiceOptions, type AlarmStateSource, type AlarmStateValue } from './alarm.service.js';
export { ScalingService, type ScalingServiceOptions } from './scaling.service.js';
export { policyAlarmRecords, TARGET_TRACKING_PERIOD_SECONDS, SCALE_IN_SHARE } from './target-tracking-alarms.js';
export { scalingActivitiesCollection, type ScalingAction, type ScalingActivityRecord } from './scaling-activities.js';
export { metricMinutesCollection, type MetricAggregate, type MetricMinuteRecord } from './metric-minutes.js';
export { checkIsolationServable, trafficSchedule, validateDeploymentConfig, wantsIsolation, type InstanceIsolation } from './deployment-rules.js';

import { modelsCollection } from '../models/model.collections.js';
import { alarmsCollection, endpointConfigsCollection, endpointsCollection, scalingCollection } from './endpoint.collections.js';
import { scalingActivitiesCollection } from './scaling-activities.js';
import { metricMinutesCollection } from './metric-minutes.js';

/** The collections of models and endpoints, for the metadata store's migrations. */
export const endpointCollections = [modelsCollection, endpointConfigsCollection, endpointsCollection, alarmsCollection, scalingCollection, scalingActivitiesCollection, metricMinutesCollection];
