import type { JobCoordinator, Logger } from '@loam/core';

/**
 * The server's job loop: on start, reconcile (re-adopt live jobs, settle the rest), then a scheduling
 * pass every `intervalMs` — besides the passes creates, stops and finished jobs ask for — so queued jobs
 * start as capacity frees up, and several servers sharing a database pick up each other's queue.
 */
export class JobScheduler {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly coordinator: JobCoordinator,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  async start(): Promise<void> {
    if (this.timer) return;
    const { adopted, settled } = await this.coordinator.reconcile();
    if (adopted || settled) this.logger.info({ adopted, settled }, 'jobs reconciled after start');
    this.timer = setInterval(() => this.coordinator.kick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
