// Child process of local-fs-delete-race.test.ts: a job's runner beside the server, opening the store as a
// runner does (through the registry, not as the data directory's owner). For each key the parent sends,
// it writes `<key>/q`, which promotes the object `<key>` (ADR 0020), and answers once that put is done.
import { openArtifactStore } from '../registry.js';

async function main(root: string): Promise<void> {
  const store = await openArtifactStore({ type: 'local', root });
  process.on('message', (m: { key: string }) => {
    store.put({ bucket: 'bkt', key: `${m.key}/q` }, new TextEncoder().encode('q')).then(
      () => process.send?.({ key: m.key }),
      (e: unknown) => process.send?.({ key: m.key, error: String(e) }),
    );
  });
  process.send?.({ ready: true });
}

main(process.argv[2] as string).catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
