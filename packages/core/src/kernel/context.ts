/** Who is calling: resolved by the transport's authentication before any handler runs. */
export interface Principal {
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
  /** How the caller proved who they are. */
  readonly via: 'token' | 'session' | 'sigv4' | 'system';
}

/** What every operation handler receives besides its input. */
export interface RequestContext {
  readonly principal: Principal;
  readonly requestId: string;
  readonly signal?: AbortSignal;
  /**
   * ManifestFile URIs of the request → the `prefix` each named when the caller's S3 permissions were
   * checked (ADR 0019), so the job can hold the runner to it.
   */
  readonly checkedManifests?: ReadonlyMap<string, string>;
}

/** The principal for work Loam does by itself (bootstrap, reconciler). */
export const systemPrincipal: Principal = { userName: 'loam-system', userId: 'system', arn: 'arn:loam:iam::000000000000:user/loam-system', via: 'system' };
