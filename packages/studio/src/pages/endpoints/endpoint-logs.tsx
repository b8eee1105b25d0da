import { useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { LogViewer, type LogLine } from '../../patterns/log-viewer.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';
import { earlierEvents, earlierRequest, LOG_PAGE, type LogEventLike } from './log-pages.js';

/** The id of the panel's root, what a Failed endpoint's failure reason links to. */
export const ENDPOINT_LOGS_ID = 'endpoint-logs';

const denied = (e: unknown) => (e as { code?: string } | null)?.code === 'AccessDeniedException';

function Denied({ endpointName, action }: { endpointName: string; action: string }) {
  return (
    <Alert color="orange" variant="light" title="You may not read this endpoint's logs" role="alert">
      <Text size="sm">
        Loam refused {action} on the log group /aws/sagemaker/Endpoints/{endpointName}. Ask an administrator to attach a policy that allows logs:DescribeLogStreams
        and logs:GetLogEvents on it to your user.
      </Text>
    </Alert>
  );
}

/**
 * The model servers' output of an endpoint, as CloudWatch Logs serves it (/aws/sagemaker/Endpoints/<name>, one stream
 * per instance, <variant>/<instance id>): pick an instance (newest first), read its newest lines, follow new ones while
 * the endpoint is `live` (Creating, Updating, InService), and load earlier ones on demand. Where a failed start's
 * traceback or a requirements.txt install error is read without leaving Studio.
 */
export function EndpointLogs({ endpointName, live }: { endpointName: string; live: boolean }) {
  const group = `/aws/sagemaker/Endpoints/${endpointName}`;
  const [picked, setPicked] = useState<string | undefined>();
  const streams = useQuery({
    // `live` in the key: a status change (Creating → Failed) reads the streams once more.
    queryKey: ['DescribeLogStreams', group, live],
    queryFn: ({ signal }) => loam.DescribeLogStreams({ logGroupName: group, orderBy: 'LastEventTime', descending: true }, { signal }),
    refetchInterval: live ? 2000 : false,
    retry: (n, e) => !denied(e) && n < 2,
  });
  const list = [...(streams.data?.logStreams ?? [])].sort((a, b) => b.creationTime - a.creationTime);
  const stream = picked !== undefined && list.some((s) => s.logStreamName === picked) ? picked : list[0]?.logStreamName;
  let body;
  if (streams.error) {
    body = denied(streams.error) ? <Denied endpointName={endpointName} action="logs:DescribeLogStreams" /> : <ErrorAlert error={toUserFacingError(streams.error, { iamAction: 'logs:DescribeLogStreams' })} />;
  } else if (!streams.data) {
    body = <Text size="sm" c="dimmed">Reading the endpoint&apos;s log streams…</Text>;
  } else if (stream === undefined) {
    body = (
      <Text size="sm" c="dimmed">
        No instance of this endpoint has written output yet.{live ? ' Lines appear here as its instances start.' : ''}
      </Text>
    );
  } else {
    body = (
      <>
        <NativeSelect
          label="Instance"
          description="The output of each model-server instance, <variant>/<instance id>, newest first"
          value={stream}
          onChange={(e) => setPicked(e.currentTarget.value)}
          data={list.map((s) => ({ value: s.logStreamName, label: `${s.logStreamName} (started ${formatTime(s.creationTime / 1000)})` }))}
          maw={560}
        />
        <StreamLines key={stream} endpointName={endpointName} group={group} stream={stream} live={live} />
      </>
    );
  }
  return (
    <Stack gap="xs" id={ENDPOINT_LOGS_ID}>
      {body}
    </Stack>
  );
}

interface Shown extends LogEventLike {
  readonly id: number;
}

/** One stream's lines: the newest page, then forward with nextForwardToken while live; earlier pages on demand. */
function StreamLines({ endpointName, group, stream, live }: { endpointName: string; group: string; stream: string; live: boolean }) {
  const [shown, setShown] = useState<Shown[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [earlierError, setEarlierError] = useState<unknown>();
  const liveRef = useRef(live);
  liveRef.current = live;
  // Restarts the forward loop when the endpoint becomes live again after it stopped.
  const wake = useRef<(() => void) | undefined>(undefined);
  const ids = useRef({ next: 0, prev: -1 });

  useEffect(() => {
    const ctl = new AbortController();
    let token: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const read = async () => {
      running = true;
      let delay = 1000;
      try {
        const first = token === undefined;
        const page = await loam.GetLogEvents({ logGroupName: group, logStreamName: stream, ...(first ? { limit: LOG_PAGE } : { nextToken: token }) }, { signal: ctl.signal });
        token = page.nextForwardToken;
        if (first) setMore(page.events.length >= LOG_PAGE);
        if (page.events.length > 0) {
          const add = page.events.map((e) => ({ id: ids.current.next++, timestamp: e.timestamp, message: e.message }));
          setShown((xs) => [...xs, ...add]);
          delay = 250;
        }
        setError(undefined);
      } catch (e) {
        if (ctl.signal.aborted) return;
        setError(e);
        // Refused stays refused: no retry.
        if (denied(e)) {
          running = false;
          return;
        }
        delay = 3000;
      }
      // Read on while the endpoint is live; the read after it stopped being live caught its last lines.
      if (liveRef.current || token === undefined) timer = setTimeout(() => void read(), delay);
      else running = false;
    };
    wake.current = () => {
      if (!running && !ctl.signal.aborted) void read();
    };
    void read();
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
      wake.current = undefined;
    };
  }, [group, stream]);
  useEffect(() => {
    if (live) wake.current?.();
  }, [live]);

  const loadEarlier = async () => {
    const req = earlierRequest(shown);
    if (!req) return setMore(false);
    setLoadingEarlier(true);
    try {
      const page = await loam.GetLogEvents({ logGroupName: group, logStreamName: stream, endTime: req.endTime, limit: req.limit });
      const got = earlierEvents(page.events, req);
      const add = got.events.map((e) => ({ timestamp: e.timestamp, message: e.message }));
      // Ids below every one given so far, counting down, so React keeps each row's identity.
      const base = ids.current.prev - add.length + 1;
      ids.current.prev = base - 1;
      setShown((xs) => [...add.map((e, i) => ({ ...e, id: base + i })), ...xs]);
      setMore(got.more);
      setEarlierError(undefined);
    } catch (e) {
      setEarlierError(e);
    } finally {
      setLoadingEarlier(false);
    }
  };

  const lines: LogLine[] = shown.map((e) => ({ id: e.id, at: e.timestamp, text: e.message }));
  return (
    <>
      {error !== undefined &&
        (denied(error) ? (
          <Denied endpointName={endpointName} action="logs:GetLogEvents" />
        ) : (
          <Text size="sm" c="red.8" role="alert">
            Could not read {stream}: {(error as Error).message} (retrying)
          </Text>
        ))}
      {earlierError !== undefined && <ErrorAlert error={toUserFacingError(earlierError, { iamAction: 'logs:GetLogEvents' })} onClose={() => setEarlierError(undefined)} />}
      {!denied(error) && (
        <>
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              {shown.length === 0 ? '' : more ? `The newest ${shown.length} lines; earlier ones are kept.` : `${shown.length} line${shown.length === 1 ? '' : 's'}, all that are kept.`}
              {live ? ' · following new lines' : ''}
            </Text>
            {more && (
              <Button size="compact-xs" variant="light" loading={loadingEarlier} onClick={() => void loadEarlier()}>
                Load earlier lines
              </Button>
            )}
          </Group>
          <LogViewer lines={lines} label={`Output of ${stream}`} height={320} emptyText="No output from this instance yet." />
        </>
      )}
    </>
  );
}
