/**
 * Built-in processing images, by the name core's image resolver gives them
 * (`builtInProcessingImages`): each reads `/opt/ml/processing/…` under `root`, writes its own
 * `output/failure` and returns the exit code. Loaded on demand, so training images never load DuckDB.
 */
export const builtinProcessingImages: Readonly<Record<string, (root: string) => Promise<number>>> = {
  'data-wrangler': async (root) => (await import('./data-wrangler.js')).dataWranglerMain(root),
};
