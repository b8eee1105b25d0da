import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDbDataEngine } from '@loam/adapters/data-engine/duckdb/duckdb-data-engine';
import { compileFlow, relationOf, sourceNameOf, withQuery } from '@loam/core/datasets/flows/flow-compiler';
import { flowJobDocumentPath, type FlowJobDocument, type FlowJobManifest } from '@loam/core/datasets/flows/flow-run-job';
import type { DataEngine, FileSource } from '@loam/core/ports/data-engine';
import { rerootOptMl } from '../runner/contract-dir.js';
import { jobMemoryState } from '../runner/oom.js';

/** A bad flow or bad data: the user's to fix (`ClientError`, exit 2), as opposed to a fault of the image. */
export class FlowJobInputError extends Error {
  override readonly name = 'FlowJobInputError';
}


function readDocument(root: string): FlowJobDocument {
  const path = rerootOptMl(root, flowJobDocumentPath);
  let doc: FlowJobDocument;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as FlowJobDocument;
  } catch (e) {
    throw new FlowJobInputError(`The flow document ${flowJobDocumentPath} could not be read: ${(e as Error).message}`);
  }
  if (doc?.format !== 'loam.flow-job' || doc.version !== 1 || !Array.isArray(doc.definition?.nodes)) {
    throw new FlowJobInputError(`${flowJobDocumentPath} is not a Loam flow job document (format 'loam.flow-job', version 1).`);
  }
  return doc;
}

const sizeOf = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

/**
 * The data-wrangler image: reads the flow job document, compiles the flow with the same compiler as
 * previews (so a run computes exactly what the preview showed, on all rows), writes each destination
 * with the engine to its output folder, and writes the manifest (rows and bytes per destination).
 * Progress goes to `log` one line per step.
 * @throws FlowJobInputError for a missing or malformed document; the engine's ValidationException for
 * SQL or data that does not bind.
 */
export async function runDataWrangler(root: string, engine: DataEngine, log: (line: string) => void, signal?: AbortSignal): Promise<FlowJobManifest> {
  const doc = readDocument(root);
  const call = signal ? { signal } : {};
  const sources: Record<string, FileSource> = {};
  for (const [id, s] of Object.entries(doc.sources)) sources[sourceNameOf(id)] = { path: rerootOptMl(root, s.path), format: s.format };
  const t0 = performance.now();
  log(`data-wrangler: flow '${doc.flowName}' version ${doc.flowVersion}: ${doc.definition.nodes.length} nodes, ${Object.keys(doc.sources).length} source(s), ${Object.keys(doc.destinations).length} destination(s).`);
  const flow = await compileFlow(doc.definition, { engine, sources, ...call });
  log(`data-wrangler: compiled ${flow.steps.length} steps to DuckDB SQL in ${((performance.now() - t0) / 1000).toFixed(2)} s.`);
  const outputs: FlowJobManifest['outputs'][number][] = [];
  for (const [id, d] of Object.entries(doc.destinations)) {
    const t = performance.now();
    const path = rerootOptMl(root, d.path);
    mkdirSync(dirname(path), { recursive: true });
    log(`data-wrangler: destination '${id}': writing ${d.format}…`);
    const res = await engine.copyTo(withQuery(flow.steps, relationOf(id)), sources, { path, format: d.format, ...(d.header === false ? { header: false } : {}) }, call);
    log(`data-wrangler: destination '${id}': ${res.rowCount} rows, ${res.columns.length} columns, ${sizeOf(res.bytes)} in ${((performance.now() - t) / 1000).toFixed(2)} s.`);
    outputs.push({ nodeId: id, rowCount: res.rowCount, bytes: res.bytes });
  }
  const manifest: FlowJobManifest = { format: 'loam.flow-run-manifest', version: 1, outputs };
  const manifestPath = rerootOptMl(root, doc.manifest);
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, JSON.stringify(manifest));
  log(`data-wrangler: done in ${((performance.now() - t0) / 1000).toFixed(2)} s.`);
  return manifest;
}

/** True for the errors a user fixes in the flow or the data (a ValidationException from the compiler or engine). */
export function isFlowInputError(e: unknown): boolean {
  return e instanceof FlowJobInputError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ValidationException');
}

/**
 * The image's entry (from `builtin-main data-wrangler`): a DuckDB engine sandboxed to the job's
 * directory, spilling under it, its memory limit 60 % of the job's memory cgroup when it has one
 * (the engine's 1 GB default would ignore a smaller job, which would then be OOM-killed instead of spilling). Writes `output/failure` (`ClientError: …` for a bad flow or data,
 * exit 2; else `AlgorithmError: …`, exit 1), as the processing container contract asks.
 */
export async function dataWranglerMain(root: string): Promise<number> {
  const spill = join(root, 'processing', '.spill');
  mkdirSync(spill, { recursive: true });
  const jobMiB = jobMemoryState()?.limitMiB;
  const duckMiB = jobMiB ? Math.max(256, Math.floor(jobMiB * 0.6)) : undefined;
  const engine = new DuckDbDataEngine({ allowedDirectories: [root], tempDirectory: spill, ...(duckMiB ? { memoryLimit: `${duckMiB}MiB` } : {}) });
  if (duckMiB) process.stdout.write(`data-wrangler: DuckDB memory limit ${duckMiB} MiB (the job's memory is ${jobMiB} MiB).\n`);
  try {
    await runDataWrangler(root, engine, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (e) {
    const client = isFlowInputError(e);
    const message = `${client ? 'ClientError' : 'AlgorithmError'}: ${e instanceof Error ? e.message : String(e)}`;
    process.stderr.write(`${message}\n`);
    writeFileSync(join(root, 'output', 'failure'), message.slice(0, 1024));
    return client ? 2 : 1;
  }
}
