import { useEffect, useState } from 'react';
import { Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { LogViewer, type LogLine } from '../../patterns/log-viewer.js';

interface LogPage {
  readonly Events: readonly { Timestamp: number; Message: string; Host: string; Stream: string }[];
  readonly NextForwardToken: string;
  readonly Complete: boolean;
}

/**
 * A job's log, read forward with the log operation's token every second until the job has ended and every
 * line is in; stderr lines show as warnings, the platform's own as info.
 */
export function JobLogs({ operation, input, label }: { operation: 'GetTrainingJobLogs' | 'GetProcessingJobLogs'; input: Record<string, string>; label: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | undefined>();
  const key = JSON.stringify(input);
  useEffect(() => {
    const ctl = new AbortController();
    let token: string | undefined;
    let n = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const page = (await loam.call(operation, { ...input, ...(token ? { NextToken: token } : {}) }, { signal: ctl.signal })) as LogPage;
        token = page.NextForwardToken;
        if (page.Events.length > 0) {
          const add = page.Events.map((e) => ({ id: n++, at: e.Timestamp * 1000, text: `[${e.Host} ${e.Stream}] ${e.Message}`, level: e.Stream === 'stderr' ? ('warn' as const) : ('info' as const) }));
          setLines((xs) => [...xs, ...add]);
        }
        setError(undefined);
        if (!page.Complete) timer = setTimeout(() => void read(), page.Events.length > 0 ? 250 : 1000);
      } catch (e) {
        if (ctl.signal.aborted) return;
        setError((e as Error).message);
        timer = setTimeout(() => void read(), 3000);
      }
    };
    void read();
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [operation, key]);
  return (
    <>
      {error && (
        <Text size="sm" c="red.8" role="alert">
          Could not read the log: {error} (retrying)
        </Text>
      )}
      <LogViewer lines={lines} label={label} height={320} emptyText="Waiting for the job's first log line…" />
    </>
  );
}
