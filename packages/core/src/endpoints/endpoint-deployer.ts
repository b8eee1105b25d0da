/**
 * What the endpoint service asks of whoever runs the instances and the router (the server's endpoint
 * controller). Every call returns at once; the deployer does the work in the background and writes the
 * endpoint's status, variants and failure reason back through the store. It must never throw for a
 * deployment that fails: that is a `Failed` (create) or a rollback (update) on the record.
 */
export interface EndpointDeployer {
  /** The record is `Creating`: start every variant's instances; `InService` once all answer /ping. */
  create(endpointName: string): void;
  /** The record is `Updating` with `pending`: blue/green to the pending config. */
  update(endpointName: string): void;
  /** The record is `Updating` with `desired`: apply weights and instance counts in place. */
  applyWeightsAndCapacities(endpointName: string): void;
  /** The record is `Deleting`: drain, stop every instance, then delete the record. */
  delete(endpointName: string): void;
}

/** A deployer that does nothing (endpoints stay `Creating`): for services used without a server. */
export const idleDeployer: EndpointDeployer = { create() {}, update() {}, applyWeightsAndCapacities() {}, delete() {} };
