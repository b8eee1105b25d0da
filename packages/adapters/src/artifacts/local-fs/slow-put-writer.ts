// Child process started by slow-put-writer.test-support.ts: a job's runner as it opens the store (through the
// registry, not the data directory's owner), writing an object whose body stops after its first chunk.
// Prints 'writing' once the chunk is in the temp file; runs until the test kills it.
import { openArtifactStore } from '../registry.js';

async function main(root: string, key: string): Promise<void> {
  const store = await openArtifactStore({ type: 'local', root });
  async function* body(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(1024).fill(7);
    process.stdout.write('writing\n');
    await new Promise(() => setInterval(() => {}, 60_000)); // a long upload: the rest never comes
  }
  await store.put({ bucket: 'bkt', key }, body());
}

main(process.argv[2] as string, process.argv[3] as string).catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
