import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The answers a Node HTTP server is writing, so that closing the server ends their connections once
 * they are out. Node's `server.close()` ends only idle keep-alive connections; one whose answer was
 * still going out (a download, a slow CompleteMultipartUpload) stays open after it as an idle
 * keep-alive connection, which a pooled client (boto3, the AWS SDK) keeps, and the close waits for
 * the keep-alive timeout (72 s): `loam up` took that long to stop after SIGTERM.
 */
export class AnswersInFlight {
  private readonly answers = new Set<ServerResponse>();
  private closing = false;
  // One listener for every answer (no closure per request): Node calls it with the answer as `this`.
  private readonly forget: (this: ServerResponse) => void;

  constructor() {
    const answers = this.answers;
    this.forget = function (this: ServerResponse) {
      answers.delete(this);
    };
  }

  /** Call for each request the server hands over, before it is answered. */
  track(res: ServerResponse): void {
    if (this.closing) {
      closeAfter(res);
      return;
    }
    this.answers.add(res);
    res.on('close', this.forget);
  }

  /** Each answer still going out ends its connection: `Connection: close` if its head is not written yet, else a close after it. */
  closeConnectionsAfterAnswers(): void {
    this.closing = true;
    for (const res of this.answers) closeAfter(res);
    this.answers.clear();
  }
}

function closeAfter(res: ServerResponse): void {
  if (res.writableFinished) return; // Node's own closing of idle connections ends it
  if (!res.headersSent) {
    // Node ends the connection after an answer that says so.
    res.setHeader('connection', 'close');
    return;
  }
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null;
  if (!socket) return;
  // Node's own 'finish' listener (added before the request was handed over) has kept the connection by then.
  res.once('finish', () => {
    if (typeof socket.destroySoon === 'function') socket.destroySoon();
    else socket.end();
  });
}
