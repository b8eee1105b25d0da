import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { ListModelsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  /** `x-amzn-ErrorType` (SageMaker Runtime's `ModelError`, …), or ''. */
  readonly errorType: string;
  readonly text: string;
  /** The parsed body, or `{}` when it is not JSON. */
  readonly json: Record<string, any>;
}

/**
 * One HTTP request on its own connection (`Connection: close`, no agent), so the server's open
 * descriptors go back to what they were once the answer is read. Bodies are sent byte for byte.
 */
export function send(base: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(path, base);
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname, port: u.port, method, path: `${u.pathname}${u.search}`, agent: false,
      headers: { connection: 'close', ...(payload ? { 'content-length': String(payload.length) } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, any> = {};
        try {
          json = JSON.parse(text) as Record<string, any>;
        } catch {
          // not JSON: the text is there
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), errorType: String(res.headers['x-amzn-errortype'] ?? ''), text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** What a signed AWS JSON call answered: the SDK's error name (`__type`) and message, or 200. */
export interface AwsAnswer {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/**
 * Sends `body` as the AWS JSON 1.1 request for `SageMaker.<target>`, signed by the AWS SDK's own
 * SigV4 signer (the body is swapped in before signing), and reads the error the SDK parsed.
 */
export async function sendAwsJson(base: string, credentials: { accessKeyId: string; secretAccessKey: string }, target: string, body: string | Buffer): Promise<AwsAnswer> {
  const client = new SageMakerClient({ endpoint: base, region: 'us-east-1', credentials, maxAttempts: 1 });
  client.middlewareStack.add((next) => async (args) => {
    const req = args.request as { headers: Record<string, string>; body: unknown };
    req.headers['x-amz-target'] = `SageMaker.${target}`;
    req.headers['content-length'] = String(Buffer.byteLength(body));
    req.body = body;
    return next(args);
  }, { step: 'build', priority: 'low' });
  try {
    await client.send(new ListModelsCommand({}));
    return { status: 200, type: '', message: '' };
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { status: err.$metadata?.httpStatusCode ?? 0, type: err.name, message: err.message };
  } finally {
    client.destroy();
  }
}

/** Resident set size of a process in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** The process's open descriptors, as `fd → target`. */
export function openFds(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.set(fd, readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed while listing
    }
  }
  return out;
}

/** Every live descendant of `pid` (children, their children, …) with its command line. */
export function descendants(pid: number): Map<number, string> {
  const parentOf = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(d), ppid);
    } catch {
      // exited while listing
    }
  }
  const out = new Map<number, string>();
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [child, parent] of parentOf) {
      if (frontier.includes(parent) && !out.has(child)) {
        let cmd = '';
        try {
          cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        } catch {
          // exited
        }
        out.set(child, cmd);
        next.push(child);
      }
    }
    frontier = next;
  }
  return out;
}
