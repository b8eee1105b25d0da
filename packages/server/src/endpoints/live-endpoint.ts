import type { DataCaptureWriter } from './data-capture.js';
import type { Generation } from './variant-fleet.js';

/**
 * An endpoint as the router sees it: the fleet in service (blue), during a blue/green update the new
 * fleet (green) with the share of traffic it takes, and fleets waiting to be terminated.
 */
export class LiveEndpoint {
  green: Generation | undefined;
  /** Share of requests (0–1) that go to green. */
  greenShare = 0;
  /** Accepting invocations (false while creating and once deleting). */
  routable = false;
  /** Its fleet is being started again after a restart: invocations wait for an instance, autoscaling waits. */
  starting = false;
  capture: DataCaptureWriter | undefined;
  readonly retiring = new Set<Generation>();

  constructor(
    readonly name: string,
    readonly arn: string,
    public blue: Generation,
  ) {}

  generations(): Generation[] {
    return [this.blue, ...(this.green ? [this.green] : []), ...this.retiring];
  }
}
