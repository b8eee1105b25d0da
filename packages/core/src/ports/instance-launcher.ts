/** One model-server process to start: the inference container contract on this machine. */
export interface InstanceLaunchSpec {
  /** Unique per instance, e.g. `<endpoint>-<variant>-<n>`; names its work directory and log. */
  readonly instanceId: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The container's environment (ContainerDefinition.Environment and SAGEMAKER_* / SM_* variables). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /**
   * The instance's own directory (its model under `model/`). A launcher that isolates instances shows it
   * at `/opt/ml` and rewrites paths under it in `args`, `env` and `cwd` to match; the process may read and
   * write it, and nothing else of Loam's. Absent: the process sees host paths as given.
   */
  readonly root?: string;
  /**
   * `EnableNetworkIsolation`: the process gets a network of its own with only its loopback; the launcher
   * reaches its server through {@link InstanceHandle.socketPath}. Only asked of a launcher whose
   * {@link InstanceLauncher.networkIsolation} says it is supported.
   */
  readonly networkIsolation?: boolean;
  /**
   * Receives each line the process writes to stdout or stderr (without its line end; blank lines skipped), as it is
   * written: what SageMaker sends to the endpoint's CloudWatch log stream. Must not throw.
   */
  readonly onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** A started instance. */
export interface InstanceHandle {
  readonly instanceId: string;
  /** `http://127.0.0.1:<port>`: where `/ping` and `/invocations` answer once the server is up. */
  readonly url: string;
  /** A network-isolated instance: its server is reached through this Unix socket (HTTP), not `url`'s host and port. */
  readonly socketPath?: string;
  readonly pid?: number;
  /**
   * Whether the port in `url` is held by the instance's own user alone. False means a process of
   * another user listens there (it took the port before the instance bound it, and would receive the
   * model's requests): the instance must not be used. Absent, or true when it cannot be told.
   */
  portHeldByInstance?(): boolean;
  /** Resolves when the process has exited, for any reason. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: string | null }>;
  /** The last lines the process wrote (stdout and stderr), for a failure reason. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (SageMaker waits 30 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts model-server instances. Unlike a JobExecutor, whose work ends and reports an outcome, an
 * instance serves until it is stopped, and the endpoint controller needs its address: the launcher
 * picks a free loopback port, passes it as `SAGEMAKER_BIND_TO_PORT`, and returns the URL. Health is
 * the controller's business (`/ping`), not the launcher's.
 *
 * Errors: `launch` throws InternalFailure when the process cannot be spawned (bad command).
 */
export interface InstanceLauncher {
  launch(spec: InstanceLaunchSpec): Promise<InstanceHandle>;
  /** Whether instances can run network-isolated here (and why not); absent: not supported. */
  networkIsolation?(): { readonly supported: boolean; readonly reason?: string };
  /** Stops every instance it started. */
  close(): Promise<void>;
}
