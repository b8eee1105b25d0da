import type { PolicyDocument, Principal, ResolvedAccessKey } from '@loam/core';
import type { CredentialResolver } from '../auth/authenticator.js';
import type { AccessKeyResolver } from '../auth/sigv4/sigv4-verify.js';
import { HandOffError } from '../transports/aws-json/runtime.routes.js';
import type { RpcCall, RpcValue } from './worker-protocol.js';

/** How long a worker keeps an answer of the main server's identity service (the same 5 s as that service's own cache). */
const TTL_MS = 5000;

interface Entry<T> {
  readonly value: T;
  readonly generation: number;
  readonly at: number;
}

/**
 * A serving worker's view of Loam's IAM: tokens, access keys and policies come from the main
 * server's identity service over IPC and are kept 5 s, or until the main server says its credentials
 * changed (any user, key, token or policy change: revocations apply in workers as in the main server).
 * A lookup the main server refuses (an unknown or revoked token) hands the request to the main server,
 * which answers it exactly as it answers its own.
 */
export class WorkerCredentials implements CredentialResolver, AccessKeyResolver {
  private generation = 0;
  private readonly tokens = new Map<string, Entry<Principal>>();
  private readonly policies = new Map<string, Entry<PolicyDocument[]>>();
  private readonly keys = new Map<string, Entry<ResolvedAccessKey | undefined>>();

  constructor(
    private readonly ask: (call: RpcCall) => Promise<RpcValue>,
    private readonly keyUsed: (accessKeyId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The main server's credential generation moved on: nothing cached before it is used again. */
  setGeneration(g: number): void {
    if (g === this.generation) return;
    this.generation = g;
    this.tokens.clear();
    this.policies.clear();
    this.keys.clear();
  }

  private async cached<T>(map: Map<string, Entry<T>>, key: string, call: RpcCall): Promise<T> {
    const e = map.get(key);
    const now = this.now();
    if (e && e.generation === this.generation && now - e.at < TTL_MS) return e.value;
    const generation = this.generation;
    let value: T;
    try {
      value = (await this.ask(call)) as T;
    } catch (e) {
      throw new HandOffError(`the main server refused the credentials: ${(e as Error).message}`);
    }
    if (map.size >= 10_000) map.clear();
    if (generation === this.generation) map.set(key, { value, generation, at: now });
    return value;
  }

  authenticateToken(token: string): Promise<Principal> {
    return this.cached(this.tokens, token, { op: 'token', token });
  }

  /** Studio sessions are never answered by a worker. */
  authenticateSession(): Promise<{ principal: Principal; csrfTokenHash: string }> {
    return Promise.reject(new HandOffError('sessions are checked by the main server'));
  }

  policiesOf(userName: string): Promise<PolicyDocument[]> {
    return this.cached(this.policies, userName, { op: 'policies', userName });
  }

  resolveAccessKey(accessKeyId: string): Promise<ResolvedAccessKey | undefined> {
    return this.cached(this.keys, accessKeyId, { op: 'key', accessKeyId });
  }

  async recordAccessKeyUse(accessKeyId: string): Promise<void> {
    this.keyUsed(accessKeyId);
  }
}
