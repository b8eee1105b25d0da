import { useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { LogViewer, type LogLine } from '../../patterns/log-viewer.js';
import { formatTime } from '../../schema/format.js';
import { toUserFacingError } from '../../schema/problems.js';
import { appendCapped, FOLLOW_PAGE, KEEP_LINES, lineCount, LOG_PAGE, moreBefore, type Chunk, type LogEventLike } from './log-pages.js';

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
 * the endpoint is `live` (Creating, Updating, InService; the newest few thousand kept in view), and load earlier ones
 * on demand, a page a click with nextBackwardToken. Where a failed start's
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

/**
 * One stream's lines: the newest page, then forward with nextForwardToken while live, the oldest pages dropped from
 * view past KEEP_LINES; earlier pages on demand with the oldest kept page's nextBackwardToken.
 */
function StreamLines({ endpointName, group, stream, live }: { endpointName: string; group: string; stream: string; live: boolean }) {
  // `dropped`: lines dropped from view (past KEEP_LINES) and not read again, the ones just before the oldest chunk.
  const [{ chunks, dropped }, setView] = useState<{ chunks: Chunk<Shown>[]; dropped: number }>({ chunks: [], dropped: 0 });
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
        const page = await loam.GetLogEvents({ logGroupName: group, logStreamName: stream, ...(first ? { limit: LOG_PAGE } : { nextToken: token, limit: FOLLOW_PAGE }) }, { signal: ctl.signal });
        token = page.nextForwardToken;
        if (first) setMore(moreBefore(undefined, page));
        if (page.events.length > 0) {
          const chunk = { events: page.events.map((e) => ({ id: ids.current.next++, timestamp: e.timestamp, message: e.message })), backToken: page.nextBackwardToken };
          setView((v) => {
            const next = appendCapped(v.chunks, chunk);
            return { chunks: next.chunks, dropped: v.dropped + next.dropped };
          });
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
    const oldest = chunks[0];
    if (!oldest) return setMore(false);
    setLoadingEarlier(true);
    try {
      const token = oldest.backToken;
      const page = await loam.GetLogEvents({ logGroupName: group, logStreamName: stream, nextToken: token, limit: LOG_PAGE });
      // Ids below every one given so far, counting down, so React keeps each row's identity.
      const base = ids.current.prev - page.events.length + 1;
      ids.current.prev = base - 1;
      const chunk = { events: page.events.map((e, i) => ({ id: base + i, timestamp: e.timestamp, message: e.message })), backToken: page.nextBackwardToken };
      // Dropped from view meanwhile (following went past KEEP_LINES): the page no longer joins what is shown.
      setView((v) => (v.chunks[0] === oldest && chunk.events.length > 0 ? { chunks: [chunk, ...v.chunks], dropped: Math.max(0, v.dropped - chunk.events.length) } : v));
      setMore(moreBefore(token, page));
      setEarlierError(undefined);
    } catch (e) {
      setEarlierError(e);
    } finally {
      setLoadingEarlier(false);
    }
  };

  const lines: LogLine[] = chunks.flatMap((c) => c.events.map((e) => ({ id: e.id, at: e.timestamp, text: e.message })));
  const count = lineCount(chunks);
  const earlier = more || dropped > 0;
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
              {count === 0 ? '' : earlier ? `The newest ${count} lines; earlier ones are kept.` : `${count} line${count === 1 ? '' : 's'}, all that are kept.`}
              {dropped > 0 ? ` ${dropped} older line${dropped === 1 ? ' was' : 's were'} dropped from view to keep the panel under ${KEEP_LINES} followed lines; "Load earlier lines" reads them again.` : ''}
              {live ? ' · following new lines' : ''}
            </Text>
            {earlier && (
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
