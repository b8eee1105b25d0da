/** One finished step of `loam demo`: what it made and where Studio shows it. */
export interface DemoStepRecord {
  readonly step: number;
  readonly total: number;
  readonly id: string;
  readonly title: string;
  readonly objectType: string;
  readonly objectName: string;
  readonly studioUrl: string;
  readonly seconds: number;
  readonly detail?: string;
}

/** Prints steps as they start and end: a human progress display, or one JSON record per step. */
export class DemoReporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(private readonly json: boolean, private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = Boolean(out.isTTY) && !json;
  }

  start(step: number, total: number, title: string): void {
    if (this.json) return;
    const t0 = Date.now();
    const line = () => `[${step}/${total}] ${title} … ${((Date.now() - t0) / 1000).toFixed(0)}s`;
    if (this.tty) {
      this.out.write(line());
      this.timer = setInterval(() => this.out.write(`\r${line()}`), 500);
    } else this.out.write(`[${step}/${total}] ${title} …\n`);
  }

  /** Sub-progress of a running step (trial counts, statuses); only on a terminal. */
  note(text: string): void {
    if (this.tty) this.out.write(`\x1b[2K\r  ${text}`);
  }

  end(r: DemoStepRecord): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.json) {
      this.out.write(JSON.stringify({ type: 'step', ...r }) + '\n');
      return;
    }
    if (this.tty) this.out.write('\x1b[2K\r');
    this.out.write(`✔ [${r.step}/${r.total}] ${r.title} (${r.seconds.toFixed(1)}s)${r.detail ? ` — ${r.detail}` : ''}\n`);
    this.out.write(`    ${r.objectType} ${r.objectName}: ${r.studioUrl}\n`);
  }

  fail(step: number, title: string, e: unknown): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const message = e instanceof Error ? e.message : String(e);
    if (this.json) this.out.write(JSON.stringify({ type: 'error', step, title, message }) + '\n');
    else this.out.write(`${this.tty ? '\x1b[2K\r' : ''}✘ [${step}] ${title}: ${message}\n`);
  }

  done(records: readonly DemoStepRecord[], seconds: number): void {
    const slowest = [...records].sort((a, b) => b.seconds - a.seconds)[0];
    const text = `Demo complete in ${seconds.toFixed(1)}s; slowest step: ${slowest ? `${slowest.title} (${slowest.seconds.toFixed(1)}s)` : 'none'}.`;
    if (this.json) this.out.write(JSON.stringify({ type: 'complete', message: text, seconds, slowestStep: slowest?.id ?? null }) + '\n');
    else this.out.write(`${text}\n`);
  }
}
